/**
 * Where a conversion's decisions go, chosen once per run: `writingOutput` writes the batch input
 * files and rejects reports; `countingOutput` (the dry run of `slicebatch estimate`) takes the
 * same decisions and writes nothing, removes nothing, only counts.
 */
import { access, unlink } from 'node:fs/promises';
import type { Scenario } from '../domain/answer-schemas.ts';
import {
  createBatchInputPlacer,
  createCountingPlacer,
  type CountedRequests,
  type PlacerOptions,
} from './batch-input-placer.ts';
import { removeLeftovers } from './batch-input-writer.ts';
import { countingRejectsReport, openRejectsReport, type RejectsReport } from './rejects-report.ts';

/** The placer both strategies hand requests to. */
export type RequestPlacer = Pick<
  ReturnType<typeof createBatchInputPlacer>,
  'useFolder' | 'place' | 'finish' | 'abort'
>;

export type PlannedRequests = Readonly<Record<Scenario, Readonly<CountedRequests>>>;

export interface ConvertOutput {
  readonly placer: RequestPlacer;
  /** Removes an interrupted run's leftovers older than `maxAgeMs` from a batch input folder. */
  clearLeftovers(outDir: string, maxAgeMs: number, now: Date): Promise<void>;
  /** The rejects report of an input file (`append`: only lines appended since are read). */
  openReport(path: string, append: boolean): RejectsReport;
  /**
   * The report an input file ends with, once its report is closed (`written`: whether this
   * run wrote one): removes a stale one, or keeps the earlier lines' one when only appended
   * lines were read.
   */
  settleReport(
    path: string,
    append: boolean,
    written: string | undefined,
  ): Promise<string | undefined>;
  /** A dry run's counts; undefined when files were written. */
  planned(): PlannedRequests | undefined;
}

export function writingOutput(placer: PlacerOptions): ConvertOutput {
  return {
    placer: createBatchInputPlacer(placer),
    async clearLeftovers(outDir, maxAgeMs, now) {
      await removeLeftovers(outDir, maxAgeMs, now);
    },
    openReport: (path, append) => openRejectsReport(path, append),
    async settleReport(path, append, written) {
      if (written !== undefined) return written;
      if (!append) {
        await unlink(path).catch(() => undefined);
        return undefined;
      }
      // Only appended lines were read, none rejected: the report of the earlier lines stands.
      return access(path).then(
        () => path,
        () => undefined,
      );
    },
    planned: () => undefined,
  };
}

export function countingOutput(limits: PlacerOptions['limits']): ConvertOutput {
  const placer = createCountingPlacer(limits);
  return {
    placer,
    clearLeftovers: () => Promise.resolve(),
    openReport: () => countingRejectsReport(),
    settleReport: () => Promise.resolve(undefined),
    planned: () => placer.counted,
  };
}
