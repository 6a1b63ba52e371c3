/**
 * `slicebatch estimate`: exact prompt tokens and the batch-price cost of what is waiting:
 * reviewed slices not converted yet (a dry run of the conversion: nothing is written) and batch
 * input files not submitted yet; `--input-dir` for one folder of either kind.
 */
import { join, resolve } from 'node:path';
import { readBatchInputFiles, enqueuedTokenLimits } from '../../compile/input-file-standing.ts';
import { dataPaths } from '../../domain/data-paths.ts';
import { isBatchInputName } from '../../domain/file-names.ts';
import { convertReviewedSlices } from '../../convert/convert-reviewed-slices.ts';
import { displayName } from '../../domain/data-paths.ts';
import { threadHelpers } from '../../convert/helper-thread-client.ts';
import type { Scenario } from '../../domain/answer-schemas.ts';
import { estimateCost, type WaitingRequests } from '../../status/estimate.ts';
import {
  duplicateSavings,
  type DuplicateSavings,
  type NotSentRequests,
} from '../../status/duplicate-savings.ts';
import { listFiles } from '../../storage/list-files.ts';
import { readJournal } from '../../storage/journal.ts';
import { planSubmissions } from '../../domain/submission-plan.ts';
import { foldRecords, type SubmissionRecord } from '../../jobs/submission-state.ts';
import { readJobs } from '../../jobs/job-store.ts';
import { booleanFlag, CONFIG_FLAGS, noPositionals, stringFlag, type Command } from '../command.ts';
import { formatCount, formatUsd, table } from '../../format.ts';
import { setup } from '../setup.ts';

const WAITING_KINDS = new Set([
  'submit',
  'in_flight',
  'wait_budget',
  'backoff',
  'cost_cap',
  'too_large',
]);

export const estimateCommand: Command = {
  name: 'estimate',
  summary:
    'Exact prompt tokens and batch-price cost of what is waiting: reviewed slices not converted yet\n' +
    '(a dry run, nothing written) and batch input files not submitted yet. Output tokens are\n' +
    'assumed per request (estimate.output_tokens in config.json).',
  flags: {
    ...CONFIG_FLAGS,
    'input-dir': {
      type: 'string',
      value: 'DIR',
      description:
        'only this folder: reviewed slices, or batch input files (default: both stages of <data-dir>)',
    },
    json: { type: 'boolean', description: 'print the estimate as JSON' },
  },
  async run(ctx, args) {
    noPositionals(args, 'estimate');
    const { config, log } = await setup(ctx, args);
    const paths = dataPaths(ctx.cwd, config.data_dir);
    const inputDir = stringFlag(args, 'input-dir');
    let reviewedDir: string | undefined = paths.reviewed;
    let batchDir: string | undefined = paths.batchInput;
    if (inputDir !== undefined) {
      const dir = resolve(ctx.cwd, inputDir);
      const batchFiles = await listFiles(dir, (rel) => isBatchInputName(rel.split('/').pop()!));
      // A folder of batch input files, or else of reviewed slices.
      [reviewedDir, batchDir] = batchFiles.length > 0 ? [undefined, dir] : [dir, undefined];
    }
    const waiting: WaitingRequests[] = [];
    let duplicates: DuplicateSavings | undefined;
    if (reviewedDir !== undefined) {
      const helpers = threadHelpers();
      try {
        const dry = await convertReviewedSlices({
          reviewedDir,
          batchInputDir: paths.batchInput,
          dataDir: paths.dataDir,
          config,
          helpers,
          dryRun: true,
          now: () => new Date(),
          log: log.child({ component: 'estimate' }, { level: 'warn' }),
        });
        for (const scenario of ['scenario1', 'scenario2'] as const) {
          const p = dry.planned![scenario];
          waiting.push({
            what: 'reviewed_slices',
            scenario,
            model: dry.planned!.models[scenario],
            requests: p.requests,
            promptTokens: p.promptTokens,
          });
        }
        if (dry.duplicates !== undefined) {
          const notSent: NotSentRequests[] = (['scenario1', 'scenario2'] as const).map((s) => ({
            scenario: s,
            model: dry.planned!.models[s],
            ...dry.duplicates![s],
          }));
          duplicates = duplicateSavings(notSent, config.estimate.output_tokens, config.prices);
        }
      } finally {
        await helpers.close();
      }
    }
    if (batchDir !== undefined) {
      const files = await readBatchInputFiles(batchDir, (p) => displayName(paths.dataDir, p));
      const decisions = planSubmissions({
        files,
        submissions: foldRecords(
          await readJournal<SubmissionRecord>(join(paths.state, 'submissions.jsonl')),
        ),
        jobs: await readJobs(paths.batchOutput),
        limits: await enqueuedTokenLimits(paths.state, config),
        prices: config.prices,
        maxCostUsd: undefined,
        outputTokens: config.estimate.output_tokens,
        inFlight: new Set(),
        now: Date.now(),
      });
      for (const d of decisions) {
        if (!WAITING_KINDS.has(d.kind)) continue;
        const m = d.file.manifest;
        waiting.push({
          what: 'batch_input_files',
          scenario: m.scenario,
          model: m.model || config.model,
          requests: m.requests,
          promptTokens: m.prompt_tokens,
        });
      }
    }
    const assumption: Record<Scenario, number> = config.estimate.output_tokens;
    const estimate = estimateCost(waiting, assumption, config.prices);
    if (booleanFlag(args, 'json')) {
      ctx.stdout.write(
        `${JSON.stringify(
          {
            provider: config.provider,
            output_tokens_per_request: assumption,
            ...estimate,
            ...(duplicates === undefined ? {} : { duplicates }),
          },
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    const out: string[] = [];
    if (estimate.rows.length === 0) {
      out.push(
        'Nothing is waiting: every reviewed slice is converted and every batch input file submitted.',
      );
    } else {
      out.push(`What is waiting, at ${config.provider} batch prices:`);
      out.push(
        table([
          [
            '',
            'scenario',
            'model',
            'requests',
            'prompt tokens (exact)',
            'output tokens (assumed)',
            'cost',
          ],
          ...estimate.rows.map((r) => [
            r.what === 'reviewed_slices' ? 'slices not converted' : 'files not submitted',
            r.scenario,
            r.model,
            formatCount(r.requests),
            formatCount(r.promptTokens),
            `${formatCount(r.outputTokens)} (${formatCount(r.assumedOutputTokensPerRequest)} each)`,
            r.costUsd === undefined ? 'no price' : formatUsd(r.costUsd),
          ]),
          [
            'total',
            '',
            '',
            formatCount(estimate.totals.requests),
            formatCount(estimate.totals.promptTokens),
            formatCount(estimate.totals.outputTokens),
            formatUsd(estimate.totals.costUsd),
          ],
        ]),
      );
    }
    if (duplicates !== undefined) {
      out.push(
        `Duplicates not sent (dedup): ${formatCount(duplicates.requests)} requests, ${formatCount(duplicates.promptTokens)} prompt tokens, about ${formatUsd(duplicates.savedUsd)} saved (not in the total).`,
      );
    }
    out.push(
      `Output tokens are an assumption: ${formatCount(assumption.scenario1)} per scenario 1 request, ${formatCount(assumption.scenario2)} per scenario 2 request (estimate.output_tokens); prompt tokens are counted exactly.`,
    );
    for (const model of new Set(estimate.rows.map((r) => r.model))) {
      const price = estimate.rows.find((r) => r.model === model)?.price;
      out.push(
        price === undefined
          ? `${model}: no price in config.json "prices": its cost is not in the total.`
          : `${model}: $${price.input} in, $${price.output} out per 1M tokens (batch prices, "prices" in config.json).`,
      );
    }
    if (config.provider === 'openai_compatible') {
      out.push(
        "Provider openai_compatible: prompt tokens are counted with OpenAI's tokenizer; the server's own tokenizer may count differently.",
      );
    }
    ctx.stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
};
