/**
 * Compiling the dataset (step 4) as a unit shared by `slicebatch compile` and the daemon: made
 * from its dependencies, run with a stop signal, it compiles the dataset and, when `keepSets`
 * is given (the daemon: `compile.keep_sets`), removes the older sets beyond it from the final
 * output folder.
 */
import type { Clock } from '../clock.ts';
import { compileDataset, type CompileSummary } from '../compile/compile-dataset.ts';
import { pruneCompiledSets } from '../compile/prune-compiled-sets.ts';
import type { DatasetFormat } from '../compile/record-format.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';

export function createCompileStep(options: {
  readonly paths: DataPaths;
  readonly config: Config;
  readonly log: Logger;
  /** Names the dataset files (their timestamps). */
  readonly clock: Pick<Clock, 'now'>;
  /** Default: config.compile.format / train_ratio / seed. */
  readonly format?: DatasetFormat | undefined;
  readonly trainRatio?: number | undefined;
  readonly seed?: number | undefined;
  /** Keep only the newest sets (the daemon); none are removed without it. */
  readonly keepSets?: number | undefined;
}): (signal?: AbortSignal) => Promise<CompileSummary> {
  const { paths, config, log, clock, keepSets } = options;
  return async (signal) => {
    const now = (): Date => new Date(clock.now());
    const summary = await compileDataset({
      paths,
      config,
      format: options.format,
      trainRatio: options.trainRatio,
      seed: options.seed,
      now,
      log,
      signal,
    });
    if (keepSets === undefined) return summary;
    const removed = await pruneCompiledSets(paths.finalOutput, keepSets);
    log.info(
      { records: summary.records, train: summary.train.path, removedSets: removed },
      `dataset compiled: ${summary.records} records in ${summary.train.path} and ${summary.val.path}`,
    );
    return summary;
  };
}
