/**
 * A Message Batch as the port's RemoteBatch (the OpenAI Batch API's vocabulary). Pure.
 *
 *   processing_status in_progress → in_progress; canceling → cancelling;
 *   ended → cancelled (a cancel was asked), expired (some requests expired), else completed;
 *   an ended batch whose results are not translated yet (anthropic-store.ts) → finalizing.
 *   request_counts: total = all; completed = succeeded; failed = errored + canceled + expired.
 *   Times: RFC 3339 → unix seconds. The output and error "files" are the batch's translated
 *   results (`out_<batch id>`, `err_<batch id>`).
 */
import type { BatchUsage, RemoteBatch } from '../openai/remote-types.ts';

export interface MessageBatchLike {
  readonly id: string;
  readonly processing_status: string;
  readonly created_at: string;
  readonly expires_at?: string | null;
  readonly ended_at?: string | null;
  readonly cancel_initiated_at?: string | null;
  readonly results_url?: string | null;
  readonly request_counts: {
    readonly processing: number;
    readonly succeeded: number;
    readonly errored: number;
    readonly canceled: number;
    readonly expired: number;
  };
}

export const OUTPUT_PREFIX = 'out_';
export const ERRORS_PREFIX = 'err_';

export function totalRequests(b: MessageBatchLike): number {
  const c = b.request_counts;
  return c.processing + c.succeeded + c.errored + c.canceled + c.expired;
}

function seconds(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** What the adapter knows of a batch besides what the API says (anthropic-store.ts). */
export interface KnownBatch {
  readonly inputFileId: string;
  readonly metadata: Record<string, string>;
  /** The results are translated into local files: the batch can be reported ended. */
  readonly prepared: boolean;
  readonly usage?: BatchUsage | undefined;
  readonly model?: string | undefined;
}

export function remoteBatchOf(b: MessageBatchLike, known: KnownBatch | undefined): RemoteBatch {
  const c = b.request_counts;
  const ended = b.processing_status === 'ended';
  const endedAt = seconds(b.ended_at);
  const cancelAsked = b.cancel_initiated_at !== null && b.cancel_initiated_at !== undefined;
  let status: string;
  if (b.processing_status === 'canceling') status = 'cancelling';
  else if (!ended) status = 'in_progress';
  else if (known !== undefined && !known.prepared) status = 'finalizing';
  else if (cancelAsked) status = 'cancelled';
  else if (c.expired > 0) status = 'expired';
  else status = 'completed';
  const reported = ended && (known === undefined || known.prepared);
  return {
    id: b.id,
    status,
    endpoint: '/v1/chat/completions',
    model: known?.model ?? null,
    input_file_id: known?.inputFileId ?? 'unknown',
    output_file_id: reported && c.succeeded > 0 ? `${OUTPUT_PREFIX}${b.id}` : null,
    error_file_id:
      reported && c.errored + c.canceled + c.expired > 0 ? `${ERRORS_PREFIX}${b.id}` : null,
    created_at: seconds(b.created_at) ?? 0,
    in_progress_at: seconds(b.created_at),
    expires_at: seconds(b.expires_at),
    cancelling_at: cancelAsked ? seconds(b.cancel_initiated_at) : null,
    completed_at: status === 'completed' ? endedAt : null,
    expired_at: status === 'expired' ? endedAt : null,
    cancelled_at: status === 'cancelled' ? endedAt : null,
    request_counts: {
      total: totalRequests(b),
      completed: c.succeeded,
      failed: c.errored + c.canceled + c.expired,
    },
    metadata: known?.metadata ?? null,
    usage: known?.usage ?? null,
  };
}
