/**
 * The shape of `slicebatch status --json` (a documented, stable shape: fields are only ever
 * added; `version` changes if one is removed or changes meaning), and the facts it is built
 * from (read-standing.ts reads them; status-report.ts builds the report).
 */
import type { BatchInputFile } from '../domain/batch-input-manifest.ts';
import type { Heartbeat } from '../domain/heartbeat.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import type { SubmitPause } from '../jobs/submit-pause-file.ts';
import type { LockOwner } from '../storage/data-dir-lock.ts';
import type { DuplicateSavings } from './duplicate-savings.ts';

export const STATUS_VERSION = 1;
export interface InputStanding {
  readonly file: string;
  readonly repo: string;
  readonly slices: number;
  readonly rejected: number;
  readonly sent: number;
  readonly results: number;
  readonly failed: number;
  readonly pending: number;
  readonly unsent: number;
}

export interface ActiveBatch {
  readonly batch_id: string;
  /** Whose Batch API has it (openai, azure, openai_compatible, anthropic). */
  readonly provider: string;
  readonly file: string;
  readonly status: string;
  readonly total: number;
  readonly completed: number;
  readonly failed: number;
  readonly age_s: number;
  /** Seconds until its 24 h window ends (negative: past it). */
  readonly deadline_in_s: number;
}

export interface StatusReport {
  readonly version: typeof STATUS_VERSION;
  readonly generated_at: string;
  readonly data_dir: string;
  readonly daemon: {
    readonly state: 'running' | 'stopping' | 'stopped' | 'not_running' | 'unhealthy';
    readonly detail: string;
    readonly pid: number | null;
    readonly emulator: boolean;
    readonly last_poll_at: string | null;
    readonly next_poll_at: string | null;
  };
  readonly inputs: readonly InputStanding[];
  readonly active_batches: readonly ActiveBatch[];
  readonly totals: Omit<InputStanding, 'file' | 'repo'> & {
    readonly input_files: number;
    readonly batches: Readonly<Record<string, number>>;
  };
  readonly usage: {
    /** As the API reported them, for the batches that reported usage. */
    readonly input_tokens: number;
    readonly output_tokens: number;
    readonly cost_usd: number;
    /** Estimates (prompt tokens exact, output tokens assumed) for batches without usage yet. */
    readonly estimated_prompt_tokens: number;
    readonly estimated_cost_usd: number;
    readonly total_cost_usd: number;
    /** Batch input files not submitted yet, at the same estimate. */
    readonly unsubmitted_cost_usd: number;
  };
  /** Duplicates not sent (`dedup`), over every run: what they would have cost. */
  readonly duplicates: {
    readonly requests: number;
    readonly prompt_tokens: number;
    /** Prompt tokens and assumed output tokens at batch prices. */
    readonly saved_usd: number;
  };
  /**
   * The submission pause the API asked for (a long 429: the batch creations an hour), kept in
   * `.slicebatch/submit-pause.json`, while it holds: no file is submitted before `until`.
   */
  readonly submit_pause: { readonly until: string; readonly reason: string } | null;
  /**
   * The slicebatch command holding the data folder now (its lock: the daemon's `run`, or a
   * `process` or `submit` run by hand), else null. While one converts, its slices are not in
   * these figures until its batch input files are sealed.
   */
  readonly in_use_by: {
    readonly command: string;
    readonly pid: number;
    readonly host: string;
    readonly since: string;
  } | null;
  /** What needs a person. */
  readonly attention: readonly { readonly kind: string; readonly message: string }[];
  /** What happened that needs no person: `requests_unanswered` (unanswered-notes.ts). */
  readonly notes: readonly { readonly kind: string; readonly message: string }[];
}

/** Where a batch input file stands (from the submission plan, compile/input-file-standing.ts). */
export type FileState =
  | { readonly kind: 'finished' | 'in_batch'; readonly batchId: string }
  | { readonly kind: 'not_submitted'; readonly reason: string; readonly needsPerson: boolean };

export interface StatusFacts {
  readonly dataDir: string;
  /** Reviewed-slice files in the inbox (display names), with their repo folder. */
  readonly inbox: readonly { readonly file: string; readonly repo: string }[];
  /** What the inbox walk skipped: loops, links leading outside, folders it cannot read. */
  readonly inboxProblems?: readonly {
    readonly kind: string;
    readonly folder: string;
    readonly message: string;
  }[];
  readonly batchInputs: readonly {
    readonly file: BatchInputFile;
    readonly state: FileState;
    readonly estimatedCostUsd: number;
  }[];
  readonly jobs: readonly JobRecord[];
  /** Rejected lines per input file. */
  readonly rejected: ReadonlyMap<string, number>;
  /** Ledger fates per input file (each result counted once). */
  readonly fates: ReadonlyMap<string, { readonly usable: number; readonly final: number }>;
  readonly heartbeat: Heartbeat | undefined;
  /** From the duplicate store, when there is one. */
  readonly duplicates?: DuplicateSavings | undefined;
  /** The kept submission pause, when it holds. */
  readonly submitPause?: SubmitPause | undefined;
  /** The holder of the data folder's lock, while it holds it. */
  readonly lockHolder?: LockOwner | undefined;
}
