/**
 * Converting reviewed slices (step 1) as a unit shared by `slicebatch process` and the daemon's
 * intake step: made from its dependencies, run with a stop signal (checked before it starts),
 * it converts the given inbox files (the intake step) or every reviewed-slice file (the
 * command) into batch input files.
 */
import type { Config } from '../config/schema.ts';
import {
  convertReviewedSlices,
  type ConvertProgress,
  type ConvertSummary,
  type InputToConvert,
} from '../convert/convert-reviewed-slices.ts';
import type { ConvertHelpers } from '../convert/helper-thread-client.ts';
import type { DuplicateStoreKeeper } from '../convert/duplicate-store-keeper.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import type { Logger } from '../log/logger.ts';

export interface ConvertStepDeps {
  readonly paths: DataPaths;
  readonly config: Config;
  /** Token counting and output hashing (the helper thread, or inline), for each run. */
  readonly helpers: () => ConvertHelpers;
  readonly log: Logger;
  /** Names the batch input files (their timestamps). */
  readonly now: () => number;
  /** The first N slices of each kind (`process --max-scenario1/2`). */
  readonly caps?: Partial<Record<Scenario, number | undefined>> | undefined;
  readonly onProgress?: ((progress: ConvertProgress) => void) | undefined;
  /** With `dedup`: the duplicate store kept open from one run to the next (the daemon's). */
  readonly duplicateStoreKeeper?: DuplicateStoreKeeper | undefined;
}

/** `files`: only these (the intake step); every reviewed-slice file when absent. */
export type ConvertStep = (
  signal?: AbortSignal,
  files?: readonly InputToConvert[],
) => Promise<ConvertSummary>;

export function createConvertStep(deps: ConvertStepDeps): ConvertStep {
  const { paths } = deps;
  return async (signal, files) => {
    signal?.throwIfAborted();
    return convertReviewedSlices({
      reviewedDir: paths.reviewed,
      batchInputDir: paths.batchInput,
      dataDir: paths.dataDir,
      config: deps.config,
      helpers: deps.helpers(),
      now: () => new Date(deps.now()),
      log: deps.log,
      ...(deps.caps !== undefined ? { caps: deps.caps } : {}),
      ...(files !== undefined ? { files } : {}),
      ...(deps.onProgress !== undefined ? { onProgress: deps.onProgress } : {}),
      duplicateStoreKeeper: deps.duplicateStoreKeeper,
    });
  };
}
