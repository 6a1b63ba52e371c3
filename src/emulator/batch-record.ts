/**
 * The emulator's batch record: what it keeps of each batch (persisted as is), the record a create
 * starts from, and the API's Batch object shown for it. Pure.
 */
import { unixSeconds } from './clock.ts';
import { TERMINAL_STATUSES, type BatchStatus, type Schedule } from './batch-lifecycle.ts';
import type { BatchUsage } from './batch-runner.ts';
import type { FileObject } from './file-store.ts';
import type { BatchFaultT } from './faults.ts';
import { snapshotOf } from './model-snapshots.ts';
import type { BatchErrorData } from './validate-batch-input.ts';
import type { Stall } from './stalled-phase.ts';

export interface BatchRecord {
  id: string;
  endpoint: string;
  input_file_id: string;
  input_filename: string;
  completion_window: string;
  metadata: Record<string, string> | null;
  /** `output_expires_after.seconds` of the create: the life of its output and error files. */
  output_expires_after_s?: number | null;
  model: string | null;
  status: BatchStatus;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  errors: BatchErrorData[] | null;
  output_file_id: string | null;
  error_file_id: string | null;
  total: number;
  completed: number;
  failed: number;
  usage: BatchUsage | null;
  validation: 'pending' | 'ok' | 'failed';
  prompt_tokens: number;
  results_written: boolean;
  cancel_requested: boolean;
  fault: {
    /** Injected expiry: after this many requests, or this fraction of them. */
    expire_after: number | null;
    expire_after_fraction: number | null;
    fail_all: boolean;
    validation: boolean;
    /** The line an injected validation failure names (absent or null: none). */
    validation_line?: number | null;
    token_limit: boolean;
    /** Expired or cancelled without lines for the unfinished requests. */
    no_unfinished_lines?: boolean;
    /** Ended with `output_file_id: null` whatever completed. */
    null_output_id?: boolean;
    /** An absent output or error file id shown as `""` (the real API's way), not null. */
    empty_file_ids?: boolean;
    /** A phase that lasts longer than the schedule says (stalled-phase.ts). */
    stall?: Stall | null;
  };
}

/** The parameters of a batch create, as the HTTP layer has checked them. */
export interface BatchCreateParams {
  input_file_id: string;
  endpoint: string;
  completion_window: string;
  metadata: Record<string, string> | null;
  output_expires_after_s?: number | undefined;
}

/** The record of a batch just created: validating, with the faults injected for its input file. */
export function newBatchRecord(
  id: string,
  file: FileObject,
  params: BatchCreateParams,
  now: number,
  schedule: Schedule,
  injected: readonly BatchFaultT[],
): BatchRecord {
  return {
    id,
    endpoint: params.endpoint,
    input_file_id: file.id,
    input_filename: file.filename,
    completion_window: params.completion_window,
    metadata: params.metadata,
    output_expires_after_s: params.output_expires_after_s ?? null,
    model: null,
    status: 'validating',
    created_at: now,
    in_progress_at: null,
    expires_at: now + schedule.completionWindowMs,
    finalizing_at: null,
    completed_at: null,
    failed_at: null,
    expired_at: null,
    cancelling_at: null,
    cancelled_at: null,
    errors: null,
    output_file_id: null,
    error_file_id: null,
    total: 0,
    completed: 0,
    failed: 0,
    usage: null,
    validation: 'pending',
    prompt_tokens: 0,
    results_written: false,
    cancel_requested: false,
    fault: injectedFaults(injected),
  };
}

function injectedFaults(injected: readonly BatchFaultT[]): BatchRecord['fault'] {
  const expire = injected.find((f) => f.kind === 'expire');
  const stall = injected.find((f) => f.kind === 'stall');
  const validation = injected.find((f) => f.kind === 'validation_failure');
  return {
    expire_after: expire?.after_requests ?? null,
    expire_after_fraction:
      expire === undefined || expire.after_requests !== undefined
        ? null
        : (expire.after_fraction ?? 0.5),
    fail_all: injected.some((f) => f.kind === 'no_output'),
    validation: validation !== undefined,
    validation_line: validation?.line ?? null,
    token_limit: injected.some((f) => f.kind === 'token_limit_exceeded'),
    no_unfinished_lines: injected.some((f) => f.kind === 'no_unfinished_lines'),
    null_output_id: injected.some((f) => f.kind === 'null_output_id'),
    empty_file_ids: injected.some((f) => f.kind === 'empty_file_ids'),
    stall:
      stall === undefined
        ? null
        : { phase: stall.phase ?? 'finalizing', ms: (stall.for_s ?? 3600) * 1000 },
  };
}

/** The number of requests after which an injected expiry ends the batch (null: none). */
export function expireAfter(b: BatchRecord): number | null {
  if (b.fault.expire_after !== null) return b.fault.expire_after;
  if (b.fault.expire_after_fraction !== null)
    return Math.floor(b.fault.expire_after_fraction * b.total);
  return null;
}

/** The API's Batch object. */
export function batchObject(b: BatchRecord): Record<string, unknown> {
  const s = (ms: number | null): number | null => (ms === null ? null : unixSeconds(ms));
  // Result files exist while finalizing, expiring or cancelling; they are shown once it ends.
  const ended = TERMINAL_STATUSES.includes(b.status);
  const absent = b.fault.empty_file_ids === true ? '' : null;
  return {
    id: b.id,
    object: 'batch',
    endpoint: b.endpoint,
    model: b.model === null ? null : snapshotOf(b.model),
    errors: b.errors === null ? null : { object: 'list', data: b.errors },
    input_file_id: b.input_file_id,
    completion_window: b.completion_window,
    status: b.status,
    output_file_id: (ended && b.fault.null_output_id !== true ? b.output_file_id : null) ?? absent,
    error_file_id: (ended ? b.error_file_id : null) ?? absent,
    created_at: unixSeconds(b.created_at),
    in_progress_at: s(b.in_progress_at),
    expires_at: unixSeconds(b.expires_at),
    finalizing_at: s(b.finalizing_at),
    completed_at: s(b.completed_at),
    failed_at: s(b.failed_at),
    expired_at: s(b.expired_at),
    cancelling_at: s(b.cancelling_at),
    cancelled_at: s(b.cancelled_at),
    // Counts appear once the batch is in progress (validating shows zeros).
    request_counts:
      b.status === 'validating' || (b.status === 'cancelled' && b.in_progress_at === null)
        ? { total: 0, completed: 0, failed: 0 }
        : { total: b.total, completed: b.completed, failed: b.failed },
    metadata: b.metadata,
    usage: b.usage,
  };
}
