/**
 * `slicebatch estimate`: exact prompt tokens and the batch-price cost of what is waiting:
 * reviewed slices not converted yet (a dry run of the conversion: nothing is written) and batch
 * input files not submitted yet; `--input-dir` for one folder of either kind. What is waiting
 * is gathered by estimate-waiting.ts, and told by estimate-text.ts.
 */
import { resolve } from 'node:path';
import { dataPaths } from '../../domain/data-paths.ts';
import type { Scenario } from '../../domain/answer-schemas.ts';
import { estimateCost, type WaitingRequests } from '../../status/estimate.ts';
import type { DuplicateSavings } from '../../status/duplicate-savings.ts';
import { booleanFlag, CONFIG_FLAGS, noPositionals, stringFlag, type Command } from '../command.ts';
import { setup } from '../setup.ts';
import { estimateText } from './estimate-text.ts';
import {
  batchInputSnapshot,
  estimateDirs,
  waitingFiles,
  waitingSlices,
} from './estimate-waiting.ts';

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
    const dirs = await estimateDirs(
      paths,
      inputDir === undefined ? undefined : resolve(ctx.cwd, inputDir),
    );
    const waiting: WaitingRequests[] = [];
    let duplicates: DuplicateSavings | undefined;
    // Listed first, and read once: what a running conversion seals meanwhile is counted once.
    const files =
      dirs.batchDir === undefined ? undefined : await batchInputSnapshot(dirs.batchDir, paths);
    if (dirs.reviewedDir !== undefined) {
      const slices = await waitingSlices(dirs.reviewedDir, paths, config, log, files);
      waiting.push(...slices.waiting);
      duplicates = slices.duplicates;
    }
    if (files !== undefined) waiting.push(...(await waitingFiles(files, paths, config)));
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
    ctx.stdout.write(estimateText(estimate, duplicates, assumption, config.provider));
    return 0;
  },
};
