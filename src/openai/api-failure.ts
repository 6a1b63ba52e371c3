/**
 * What an API error means for the caller: whether to retry, when, and whether the request may
 * have been carried out although no answer came back (then creating again could pay twice).
 */
import OpenAI from 'openai';
import { PermanentApiError, TransientApiError } from '../errors.ts';
import { UnsafeApiIdError } from './api-ids.ts';

export const FAILURE_KINDS = ['auth', 'rate_limited', 'transient', 'permanent'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface ApiFailure {
  readonly kind: FailureKind;
  readonly message: string;
  readonly status?: number | undefined;
  readonly code?: string | undefined;
  readonly requestId?: string | undefined;
  /** From retry-after-ms / retry-after. */
  readonly retryAfterMs?: number | undefined;
  /** The server may have done the work (lost answer, timeout, 5xx): check before redoing it. */
  readonly maybeDone: boolean;
}

function retryAfter(headers: Headers | undefined): number | undefined {
  if (headers === undefined) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Undefined for errors that are not API errors (bugs, local I/O): those are rethrown. */
export function classifyApiError(err: unknown): ApiFailure | undefined {
  // An answer that named something we cannot use: the call failed, and would again.
  if (err instanceof UnsafeApiIdError) {
    return { kind: 'permanent', message: err.message, maybeDone: false };
  }
  if (!(err instanceof OpenAI.APIError)) return undefined;
  if (err instanceof OpenAI.APIUserAbortError) return undefined;
  // The SDK's error types are generic over these; read them as what they are.
  const status = err.status as number | undefined;
  const headers = err.headers as Headers | undefined;
  const base = {
    message: err.message,
    status,
    code: typeof err.code === 'string' ? err.code : undefined,
    requestId: err.requestID ?? undefined,
  };
  if (err instanceof OpenAI.APIConnectionError) {
    // No answer: timeouts and dropped connections may hide work done.
    return { ...base, kind: 'transient', maybeDone: true };
  }
  const code = status ?? 0;
  if (code === 401) return { ...base, kind: 'auth', maybeDone: false };
  if (code === 429) {
    return { ...base, kind: 'rate_limited', retryAfterMs: retryAfter(headers), maybeDone: false };
  }
  if (code === 408 || code === 409 || code >= 500) {
    return { ...base, kind: 'transient', retryAfterMs: retryAfter(headers), maybeDone: true };
  }
  return { ...base, kind: 'permanent', maybeDone: false };
}

export function failureError(f: ApiFailure, what: string): TransientApiError | PermanentApiError {
  const where = f.requestId ? ` (request ${f.requestId})` : '';
  const message = `${what}: ${f.message}${where}`;
  return f.kind === 'permanent' || f.kind === 'auth'
    ? new PermanentApiError(message, {
        ...(f.status !== undefined ? { status: f.status } : {}),
        ...(f.requestId !== undefined ? { requestId: f.requestId } : {}),
        ...(f.code !== undefined ? { apiCode: f.code } : {}),
      })
    : new TransientApiError(message, {
        ...(f.status !== undefined ? { status: f.status } : {}),
        ...(f.requestId !== undefined ? { requestId: f.requestId } : {}),
        ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
      });
}
