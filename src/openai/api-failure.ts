/**
 * What an API error means for the caller: whether to retry, when, and whether the request may
 * have been carried out although no answer came back (then creating again could pay twice).
 */
import OpenAI from 'openai';
import { PermanentApiError, TransientApiError } from '../errors.ts';
import { MalformedAnswerError } from './answer-shapes.ts';
import { DownloadTimeoutError } from './http-client.ts';
import { UnsafeApiIdError } from './api-ids.ts';

/**
 * `quota`: a 429 with `code: "insufficient_quota"`; not a rate limit: nothing succeeds until the
 * account's billing changes, so it stops submission like a refused key (`auth`).
 */
export const FAILURE_KINDS = ['auth', 'quota', 'rate_limited', 'transient', 'permanent'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface ApiFailure {
  readonly kind: FailureKind;
  readonly message: string;
  readonly status?: number | undefined;
  readonly code?: string | undefined;
  /** The request parameter the error names (`file_id`, `input_file_id`, ...). */
  readonly param?: string | undefined;
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
  if (err instanceof MalformedAnswerError) {
    // A 200 answer that says nothing usable: a failed call, to be tried again; the call may
    // have done its work (a batch created), so check before redoing it.
    return { kind: 'transient', message: err.message, code: err.code, maybeDone: true };
  }
  if (err instanceof DownloadTimeoutError) {
    return { kind: 'transient', message: err.message, code: err.code, maybeDone: false };
  }
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
    param: typeof err.param === 'string' ? err.param : undefined,
    requestId: err.requestID ?? undefined,
  };
  if (err instanceof OpenAI.APIConnectionError) {
    // No answer: timeouts and dropped connections may hide work done.
    return { ...base, kind: 'transient', maybeDone: true };
  }
  const code = status ?? 0;
  if (code === 401) return { ...base, kind: 'auth', maybeDone: false };
  if (code === 429 && base.code === 'insufficient_quota') {
    return { ...base, kind: 'quota', maybeDone: false };
  }
  if (code === 429) {
    return { ...base, kind: 'rate_limited', retryAfterMs: retryAfter(headers), maybeDone: false };
  }
  if (code === 408 || code === 409 || code >= 500) {
    return { ...base, kind: 'transient', retryAfterMs: retryAfter(headers), maybeDone: true };
  }
  return { ...base, kind: 'permanent', maybeDone: false };
}

/**
 * The API's answer to a batch created moments after its input file was uploaded, although the
 * file exists: `400 Cannot find file file-…, or project proj_… does not have access to it`
 * (param `file_id`). Transient while the upload is fresh.
 */
export function isFileNotReady(f: ApiFailure): boolean {
  return (
    f.status === 400 &&
    (f.param === 'file_id' || f.param === 'input_file_id' || /cannot find file/i.test(f.message))
  );
}

export function failureError(f: ApiFailure, what: string): TransientApiError | PermanentApiError {
  const where = f.requestId ? ` (request ${f.requestId})` : '';
  const message = `${what}: ${f.message}${where}`;
  return f.kind === 'permanent' || f.kind === 'auth' || f.kind === 'quota'
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
