/** What `convertReviewedSlices` takes and returns. */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import type { PrefixState, ReadFingerprint } from '../storage/content-fingerprint.ts';
import type { ListedFile } from '../storage/list-files.ts';
import type { CountedRequests } from './batch-input-placer.ts';
import type { SealedBatchInput } from './batch-input-writer.ts';
import type { ConvertHelpers } from './helper-thread-client.ts';
import type { SavedRequests } from './duplicate-gate.ts';
import type { DuplicateStoreKeeper } from './duplicate-store-keeper.ts';

export interface ConvertOptions {
  readonly reviewedDir: string;
  readonly batchInputDir: string;
  /** Source paths in manifests and reports are written relative to this folder. */
  readonly dataDir: string;
  readonly config: Config;
  /** The first N slices of each kind, in file order (scenario_processor.py's --max-scenario1/2). */
  readonly caps?: Partial<Record<Scenario, number | undefined>>;
  /** Token counting and output hashing (the helper thread, or inline). */
  readonly helpers: ConvertHelpers;
  readonly now: () => Date;
  readonly log: Logger;
  /** Decide and count, write nothing (`slicebatch estimate`): see ConvertSummary.planned. */
  readonly dryRun?: boolean;
  /**
   * The batch input files (paths) whose slices count as converted; when absent, every one in
   * the batch input folders as each folder is reached. `estimate` passes those it listed before
   * it started, so that a file sealed meanwhile by a running conversion is counted once.
   */
  readonly convertedFiles?: ReadonlySet<string>;
  /** Only these files; all reviewed-slice files under reviewedDir when absent. */
  readonly files?: readonly InputToConvert[];
  readonly onProgress?: (progress: ConvertProgress) => void;
  /** With `dedup`: the duplicate store is kept open for the next conversion (the daemon's). */
  readonly duplicateStoreKeeper?: DuplicateStoreKeeper | undefined;
}

/** A reviewed-slice file, or the part of it not read yet. */
export interface InputToConvert extends ListedFile {
  /** Read from here (the lines appended since an earlier read); its rejects report grows. */
  readonly from?: { readonly offset: number; readonly lineNo: number };
  /** Read up to here (the size when the file was found complete). */
  readonly end?: number;
  /** With `from`: the fingerprint state of the bytes before it (read by an earlier pass). */
  readonly prefix?: PrefixState | undefined;
}

export interface ConvertProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly slices: number;
}

export interface InputFileSummary {
  readonly file: string;
  readonly lines: number;
  readonly converted: Record<Scenario, number>;
  readonly rejected: number;
  readonly alreadyConverted: number;
  readonly overCap: number;
  readonly rejectsReport: string | undefined;
  /**
   * The fingerprint of the file as this conversion read it, in the same pass (the bytes
   * before `from` included): what was converted, even when the file changed meanwhile.
   */
  readonly read: ReadFingerprint;
}

export interface ConvertSummary {
  readonly inputs: InputFileSummary[];
  readonly outputs: SealedBatchInput[];
  /** A dry run: the requests it would write, per scenario, with their exact prompt tokens. */
  readonly planned?: Readonly<Record<Scenario, Readonly<CountedRequests>>> & {
    readonly models: Readonly<Record<Scenario, string>>;
  };
  /** Duplicates not sent (`dedup`), with the prompt tokens they would have cost. */
  readonly duplicates?: Readonly<Record<Scenario, Readonly<SavedRequests>>>;
  readonly totals: {
    readonly files: number;
    readonly bytes: number;
    readonly lines: number;
    readonly converted: Record<Scenario, number>;
    readonly rejected: number;
    readonly alreadyConverted: number;
    readonly overCap: number;
    readonly promptTokens: number;
  };
}
