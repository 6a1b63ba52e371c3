/**
 * The terms of one repo folder's compilation (compile-repo.ts): what it reads (RepoInput: its
 * files, jobs, the ledger's fates, the run's settings) and where it writes (RepoOutputs: the
 * processed files, the failures, the split, the counts, the shared reader and index).
 */
import type { Scenario } from '../domain/answer-schemas.ts';
import type { BatchInputFile } from '../domain/batch-input-manifest.ts';
import type { LedgerFates } from '../domain/ledger-fates.ts';
import type { ReviewDecision } from '../domain/review-journal.ts';
import type { Requirement } from '../domain/slice-fields.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import type { AtomicStreamFile } from '../storage/atomic-stream-file.ts';
import type { ListedFile } from '../storage/list-files.ts';
import type { SplitRecords } from './dataset-split.ts';
import type { StatisticsCounter } from './dataset-statistics.ts';
import type { FailureEntry, InputFileStanding } from './failure-categories.ts';
import type { FineTuningChecks } from './fine-tuning-checks.ts';
import type { PositionalReader } from './positional-reader.ts';
import type { DatasetFormat } from './record-format.ts';
import type { ResultIndex } from './result-index.ts';

/** A processed file being written, with its number among all processed files. */
export interface ProcessedOutput {
  readonly file: AtomicStreamFile;
  readonly number: number;
  records: number;
}

export interface RepoInput {
  readonly repo: string;
  readonly dataDir: string;
  readonly batchInputDir: string;
  /** Its reviewed-slice files, in order. */
  readonly reviewed: readonly ListedFile[];
  /** Its finished jobs with a results file. */
  readonly jobs: readonly JobRecord[];
  /** Its batch input files whose batch is not finished, with where each stands. */
  readonly openInputs: readonly { file: BatchInputFile; standing: InputFileStanding }[];
  /** Every request's latest fate (the ledger's): whether its result is usable, and why not. */
  readonly fates: LedgerFates;
  /** Answers a reviewer excluded (review-journal.ts). */
  readonly excluded?: ReadonlyMap<string, ReviewDecision>;
  readonly format: DatasetFormat;
  readonly trainRatio: number;
  readonly seed: number;
  readonly requirements: readonly Requirement[];
  readonly display: (path: string) => string;
  /** The chat format: OpenAI's fine-tuning checks; an example they reject is not written. */
  readonly fineTuning?: FineTuningChecks | undefined;
}

export interface RepoOutputs {
  readonly processed: (scenario: Scenario) => Promise<ProcessedOutput>;
  /** Writes after each read chunk (the outputs' full buffers). */
  readonly flush: () => Promise<void>;
  readonly fail: (entry: FailureEntry) => void;
  readonly split: SplitRecords;
  readonly stats: StatisticsCounter;
  readonly reader: PositionalReader;
  /** The index, reused from folder to folder. */
  readonly index: ResultIndex;
}
