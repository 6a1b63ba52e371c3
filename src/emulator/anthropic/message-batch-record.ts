/**
 * A Message Batch as the emulator keeps it (its requests count, status, times, result counts and
 * the hash of its custom_ids), the record a create starts from (with an `expire` fault's cut),
 * when it ends on the emulator's schedule, and the API's MessageBatch object for it. Pure.
 */
import type { Schedule } from '../batch-lifecycle.ts';
import type { BatchFaultT } from '../faults.ts';

export interface BatchRequest {
  readonly custom_id: string;
  readonly params: {
    readonly model: string;
    readonly max_tokens: number;
    readonly system?: string;
    readonly messages: readonly { role: string; content: unknown }[];
    readonly output_config?: { format?: { schema?: unknown } };
  };
}

export interface EmulatedBatch {
  id: string;
  createdMs: number;
  requests: number;
  /** Requests answered before the batch ends on its own (an `expire` fault). */
  expireAfter: number | null;
  status: 'in_progress' | 'canceling' | 'ended';
  cancelMs: number | null;
  endedMs: number | null;
  counts: { succeeded: number; errored: number; canceled: number; expired: number };
  idsHash: string;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const DAY_MS = 86_400_000;

export function newMessageBatch(
  id: string,
  requests: number,
  idsHash: string,
  nowMs: number,
  expire: BatchFaultT | undefined,
): EmulatedBatch {
  return {
    id,
    createdMs: nowMs,
    requests,
    expireAfter:
      expire === undefined
        ? null
        : (expire.after_requests ?? Math.floor(requests * (expire.after_fraction ?? 0.5))),
    status: 'in_progress',
    cancelMs: null,
    endedMs: null,
    counts: { succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    idsHash,
  };
}

/** When the batch ends: its cancel done, or every request it will answer answered. */
export function endsAt(b: EmulatedBatch, schedule: Schedule): number {
  return b.status === 'canceling'
    ? b.cancelMs! + schedule.cancellingMs
    : b.createdMs +
        schedule.validatingMs +
        Math.min(b.requests, b.expireAfter ?? b.requests) * schedule.msPerRequest +
        schedule.finalizingMs;
}

/** Requests answered before a cancel (they run one after another once past validation). */
export function answeredBeforeCancel(b: EmulatedBatch, schedule: Schedule): number {
  return b.cancelMs === null
    ? Infinity
    : Math.max(
        0,
        Math.floor((b.cancelMs - b.createdMs - schedule.validatingMs) / schedule.msPerRequest),
      );
}

export function messageBatchObject(b: EmulatedBatch, baseUrl: string): Record<string, unknown> {
  const ended = b.status === 'ended';
  const c = b.counts;
  return {
    id: b.id,
    type: 'message_batch',
    processing_status: b.status,
    request_counts: {
      processing: ended ? 0 : b.requests,
      succeeded: c.succeeded,
      errored: c.errored,
      canceled: c.canceled,
      expired: c.expired,
    },
    created_at: iso(b.createdMs),
    expires_at: iso(b.createdMs + DAY_MS),
    ended_at: ended ? iso(b.endedMs) : null,
    cancel_initiated_at: iso(b.cancelMs),
    archived_at: null,
    results_url: ended ? `${baseUrl}/v1/messages/batches/${b.id}/results` : null,
  };
}
