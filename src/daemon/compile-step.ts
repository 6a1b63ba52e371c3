/**
 * The daemon's compilation: the dataset compiled again (step 4) after downloads, then the older
 * sets beyond `compile.keep_sets` removed from the final output folder.
 */
import type { Clock } from '../clock.ts';
import { compileDataset } from '../compile/compile-dataset.ts';
import { pruneCompiledSets } from '../compile/prune-compiled-sets.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';

export function createCompileStep(options: {
  readonly paths: DataPaths;
  readonly config: Config;
  readonly log: Logger;
  /** Names the dataset files (their timestamps). */
  readonly clock: Pick<Clock, 'now'>;
}): (signal: AbortSignal) => Promise<void> {
  const { paths, config, log, clock } = options;
  return async (signal) => {
    const now = (): Date => new Date(clock.now());
    const summary = await compileDataset({ paths, config, now, log, signal });
    const removed = await pruneCompiledSets(paths.finalOutput, config.compile.keep_sets);
    log.info(
      { records: summary.records, train: summary.train.path, removedSets: removed },
      `dataset compiled: ${summary.records} records in ${summary.train.path} and ${summary.val.path}`,
    );
  };
}
