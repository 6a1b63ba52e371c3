/**
 * A batch job as kept in `4.batch_output/[<repo>/]batch_job_<batch_id>.json`: the original
 * scripts' six fields (batch_file, file_id, batch_id, status, created_at as local ISO time,
 * completion_window) and everything else we know, kept current. Pure.
 */
import type { BatchUsage, RemoteBatch, RemoteBatchError } from '../openai/batch-api.ts';

export interface JobRecord {
  // The original six.
  batch_file: string;
  file_id: string;
  batch_id: string;
  status: string;
  created_at: string;
  completion_window: string;
  // What we know beside.
  repo: string;
  input_sha256: string;
  scenario: string | null;
  /** Whose Batch API has the batch (`openai` for job files written before providers). */
  provider?: string;
  /** The model the requests named (the alias, `gpt-4o-mini`): budgets and prices use this. */
  model: string | null;
  /** The model the API reports for the batch (often a dated snapshot, `gpt-4o-mini-2024-07-18`). */
  api_model?: string | null;
  requests: number;
  prompt_tokens: number;
  max_completion_tokens: number;
  /** Submission attempt of the input file (a token-limit failure makes another). */
  attempt: number;
  /** Attempt of its requests: 1, or n for a file of retried requests (`~attempt<n>`, custom-id.ts). */
  request_attempt: number;
  submitted_at: string;
  updated_at: string;
  request_counts: { total: number; completed: number; failed: number } | null;
  output_file_id: string | null;
  error_file_id: string | null;
  results_path: string | null;
  errors_path: string | null;
  errors: RemoteBatchError[] | null;
  /** As the API reported it (cached and reasoning token details included when given). */
  usage: BatchUsage | null;
  timestamps: {
    created_at: number;
    in_progress_at: number | null;
    expires_at: number | null;
    finalizing_at: number | null;
    completed_at: number | null;
    failed_at: number | null;
    expired_at: number | null;
    cancelling_at: number | null;
    cancelled_at: number | null;
  };
  /** Batch-price estimate at submission (prompt tokens and the assumed output tokens). */
  estimated_cost_usd: number | null;
  /** From the usage the API reported, once it has. */
  cost_usd: number | null;
  /** Set once the job needs nothing more (results downloaded, retries decided). */
  done: boolean;
  /** What became of its requests, once decided. */
  outcome: { usable: number; retry: number; final: number } | null;
  /** The batch input file of its retried requests, if any. */
  retry_file: string | null;
  /** Why results could not be downloaded or trusted yet (tried again each tick). */
  download_error: string | null;
  /** The API answered the download with a permanent error (a 4xx: the file is gone). */
  download_error_permanent?: boolean;
  /** Downloads tried (a file with lines that are not JSON is taken as it is after three). */
  download_attempts?: number;
  /** Where the result files did not match the counts (taken as they are): shown in status. */
  result_notes?: string[] | null;
  /** Result lines with no HTTP answer (`status_code: 0`): their requests sent again (poll/unanswered-lines.ts). */
  unanswered_lines?: number;
  /** Our clock when the batch was first seen ended with completions but no output file. */
  awaiting_output_since?: number | null;
  /** We asked for the cancellation: unfinished requests are sent again. */
  cancelled_by_us: boolean;
  /** The API answered 404 for the batch (unknown-batch.ts): since when, and what it said. */
  unknown_to_api?: { since: string; message: string } | null;
}

/** Local time without an offset, as Python's datetime.now().isoformat() wrote it. */
export function localIsoTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  );
}

const emptyIfEmpty = (id: string | null | undefined): string | null => (id ? id : null);

/** The job's fields that the API's batch object tells (everything it reports is taken). */
export function withRemote(job: JobRecord, b: RemoteBatch, nowMs: number): JobRecord {
  return {
    ...job,
    status: b.status,
    updated_at: new Date(nowMs).toISOString(),
    request_counts: b.request_counts ?? job.request_counts,
    output_file_id: emptyIfEmpty(b.output_file_id) ?? job.output_file_id,
    error_file_id: emptyIfEmpty(b.error_file_id) ?? job.error_file_id,
    errors: b.errors?.data ?? job.errors,
    usage: b.usage ?? job.usage,
    // The API answers the snapshot of the alias the requests named: keep both, budget by one.
    model: job.model ?? b.model ?? null,
    api_model: b.model ?? job.api_model ?? null,
    timestamps: {
      created_at: b.created_at,
      in_progress_at: b.in_progress_at ?? null,
      expires_at: b.expires_at ?? null,
      finalizing_at: b.finalizing_at ?? null,
      completed_at: b.completed_at ?? null,
      failed_at: b.failed_at ?? null,
      expired_at: b.expired_at ?? null,
      cancelling_at: b.cancelling_at ?? null,
      cancelled_at: b.cancelled_at ?? null,
    },
  };
}

/** True when the API's batch says something the job does not know yet. */
export function changedBy(job: JobRecord, b: RemoteBatch): boolean {
  const rc = b.request_counts;
  return (
    job.status !== b.status ||
    (rc != null &&
      (job.request_counts?.completed !== rc.completed ||
        job.request_counts?.failed !== rc.failed ||
        job.request_counts?.total !== rc.total)) ||
    (emptyIfEmpty(b.output_file_id) ?? null) !== job.output_file_id ||
    (emptyIfEmpty(b.error_file_id) ?? null) !== job.error_file_id
  );
}
