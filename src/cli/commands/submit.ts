/**
 * `slicebatch submit`: steps 2 and 3 (the original batch_submitter.py). Uploads the batch input
 * files not yet submitted and creates their batches (exactly once, within the token budget and
 * the cost cap), writes a job file per batch and a `batch_submission_results_<ts>.json` per
 * round; or one of batch_submitter.py's queries: --list-active, --check-status ID,
 * --download-results ID.
 */
import { systemClock } from '../../clock.ts';
import { relative } from 'node:path';
import { createSubmitStep } from '../../daemon/submit-step.ts';
import { dataPaths } from '../../domain/data-paths.ts';
import { UsageError } from '../../errors.ts';
import { batchApiForConfig } from '../../providers/batch-api-for-provider.ts';
import { lockDataDir } from '../../storage/data-dir-lock.ts';
import { openSubmitter } from '../../submit/submitter.ts';
import { CRASH_POINTS, type CrashPoint } from '../../submit/submit-file.ts';
import { CONFIG_FLAGS, booleanFlag, noPositionals, stringFlag, type Command } from '../command.ts';
import { formatCount, formatUsd, plural, table } from '../../format.ts';
import { setup } from '../setup.ts';
import { checkStatus, downloadResults, listActive } from './submit-queries.ts';

/** Test hook: SLICEBATCH_CRASH_AT=<point>[:<nth>] kills the process there (crash tests). */
function crashHook(
  env: Readonly<Record<string, string | undefined>>,
): ((at: CrashPoint) => void) | undefined {
  const spec = env['SLICEBATCH_CRASH_AT'];
  if (!spec) return undefined;
  const [point, nth] = spec.split(':');
  if (!(CRASH_POINTS as readonly string[]).includes(point!)) return undefined;
  let seen = 0;
  return (at) => {
    if (at === point && ++seen === Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
  };
}

export const submitCommand: Command = {
  name: 'submit',
  summary:
    'Upload the batch input files not yet submitted and create their batches (as batch_submitter.py),\n' +
    'exactly once, within the enqueued-token budget and limits.max_cost_usd; or query batches.',
  flags: {
    ...CONFIG_FLAGS,
    'input-dir': {
      type: 'string',
      short: 'i',
      value: 'DIR',
      description: 'batch input files (default <data-dir>/3.batch_input)',
    },
    'output-dir': {
      type: 'string',
      short: 'o',
      value: 'DIR',
      description: 'job files and results (default <data-dir>/4.batch_output)',
    },
    'list-active': {
      type: 'boolean',
      short: 'l',
      description: 'list the batches not finished yet',
    },
    'check-status': {
      type: 'string',
      short: 's',
      value: 'BATCH_ID',
      description: 'show where a batch stands',
    },
    'download-results': {
      type: 'string',
      short: 'd',
      value: 'BATCH_ID',
      description: 'download the results of a batch',
    },
  },
  async run(ctx, args) {
    noPositionals(args, 'submit');
    const queries = ['list-active', 'check-status', 'download-results'].filter(
      (f) => args.values[f] !== undefined && args.values[f] !== false,
    );
    if (queries.length > 1)
      throw new UsageError(
        `slicebatch submit: --${queries[0]} and --${queries[1]} cannot be used together`,
      );
    const { config, log } = await setup(ctx, args);
    const paths = dataPaths(ctx.cwd, config.data_dir, {
      ...(stringFlag(args, 'input-dir') !== undefined
        ? { batchInput: stringFlag(args, 'input-dir')! }
        : {}),
      ...(stringFlag(args, 'output-dir') !== undefined
        ? { batchOutput: stringFlag(args, 'output-dir')! }
        : {}),
    });
    const api = batchApiForConfig(config, paths.state);
    if (booleanFlag(args, 'list-active')) return listActive(ctx, api, paths);
    const check = stringFlag(args, 'check-status');
    if (check !== undefined) return checkStatus(ctx, api, paths, config, check);
    const download = stringFlag(args, 'download-results');
    if (download !== undefined) return downloadResults(ctx, api, paths, download, log);

    const lock = await lockDataDir(paths.state, paths.dataDir, 'submit');
    const submitter = await openSubmitter({
      api,
      stateDir: paths.state,
      batchOutputDir: paths.batchOutput,
      config,
      clock: systemClock,
      log: log.child({ component: 'submit' }),
      crashpoint: crashHook(ctx.env),
    });
    try {
      await submitter.tracker.refresh();
      // The daemon's submit step, writing the round's file even when nothing happened.
      const { files, round, report, resultsPath } = await createSubmitStep({
        paths,
        submitter,
        now: () => systemClock.now(),
        writeRound: 'always',
      })();
      const { waiting, skipped } = report;
      const out: string[] = [];
      if (files.length === 0)
        out.push(`No batch input files in ${relative(ctx.cwd, paths.batchInput) || '.'}.`);
      if (round.submitted.length > 0) {
        out.push(`Submitted ${plural(round.submitted.length, 'batch', 'batches')}:`);
        out.push(
          table(
            round.submitted.map((j) => [
              j.batch_file,
              j.batch_id,
              `${formatCount(j.requests)} requests`,
              j.estimated_cost_usd === null ? '' : `~${formatUsd(j.estimated_cost_usd)}`,
            ]),
          ),
        );
      } else if (files.length > 0) {
        out.push('Submitted nothing new.');
      }
      if (skipped.length > 0)
        out.push(`Skipped ${plural(skipped.length, 'file')} already submitted or failed earlier.`);
      if (waiting.length > 0) {
        out.push(`Not submitted now (${waiting.length}):`);
        out.push(table(waiting.map((w) => [w.file, w.reason])));
      }
      if (round.failed.length > 0) {
        out.push(`Failed (${round.failed.length}):`);
        out.push(
          table(
            round.failed.map((f) => [
              f.file,
              `${f.permanent ? '' : '(will be tried again) '}${f.error}`,
            ]),
          ),
        );
      }
      if (round.authError !== undefined) {
        out.push(
          `Stopped: the API refused the key (401). Check OPENAI_API_KEY / api_key. ${round.authError}`,
        );
      }
      if (round.quotaError !== undefined) {
        out.push(
          `Stopped: the account's quota is exhausted (insufficient_quota or billing_hard_limit_reached); nothing will be accepted until billing changes. ${round.quotaError}`,
        );
      }
      out.push(`Round written to ${relative(ctx.cwd, resultsPath!)}.`);
      ctx.stdout.write(`${out.join('\n')}\n`);
      return round.authError !== undefined ||
        round.quotaError !== undefined ||
        round.failed.length > 0
        ? 1
        : 0;
    } finally {
      await submitter.close();
      await lock.release();
    }
  },
};
