/**
 * What an SDK error means for the caller, read once, here, at the edge: whether to retry, when,
 * and whether the request may have been carried out although no answer came back (then creating
 * again could pay twice). The adapter (batch-api.ts) throws the result as one of the error
 * classes of errors.ts; nothing above src/openai/ sees an SDK error.
 */
import OpenAI from 'openai';
import { ApiError, apiError, type ApiFailure } from '../errors.ts';
import { MalformedAnswerError } from './answer-shapes.ts';
import { DownloadTimeoutError } from './http-client.ts';
import { shortErrorMessage } from './error-text.ts';

export { FAILURE_KINDS, type ApiFailure, type FailureKind } from '../errors.ts';

function retryAfter(headers: Headers | undefined): number | undefined {
  if (headers === undefined) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null) return rateLimitResetMs(headers);
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  // An HTTP-date (RFC 9110) is on the server's clock: measured from the answer's own `date`,
  // so that a server clock apart from ours does not change the wait.
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  const sent = Date.parse(headers.get('date') ?? '');
  return Math.max(0, date - (Number.isNaN(sent) ? Date.now() : sent));
}

/**
 * A duration of the `x-ratelimit-reset-*` headers (the rate-limits guide: `1s`, `6m0s`, `20ms`),
 * in ms; undefined when it is not one.
 */
export function resetAfterMs(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(text.trim());
  if (m === null || text.trim() === '') return undefined;
  const [, h, min, s, ms] = m;
  return Math.round(
    Number(h ?? 0) * 3_600_000 +
      Number(min ?? 0) * 60_000 +
      Number(s ?? 0) * 1000 +
      Number(ms ?? 0),
  );
}

/** Without `retry-after`: the latest of the `x-ratelimit-reset-requests` / `-tokens` headers. */
function rateLimitResetMs(headers: Headers): number | undefined {
  const waits = ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens']
    .map((name) => headers.get(name))
    .map((v) => (v === null ? undefined : resetAfterMs(v)))
    .filter((v): v is number => v !== undefined);
  return waits.length === 0 ? undefined : Math.max(...waits);
}

/**
 * The one classification of a failed call (room here for more cases). An ApiError already
 * classified gives its own failure. Undefined for errors that are not API errors (bugs, local
 * I/O) and for an aborted call: those pass unchanged.
 */
export function classifyApiError(err: unknown): ApiFailure | undefined {
  // Already classified (an id refused by api-ids.ts is a PermanentApiError of its own).
  if (err instanceof ApiError) return err.failure;
  if (err instanceof MalformedAnswerError) {
    // A 200 answer that says nothing usable: a failed call, to be tried again; the call may
    // have done its work (a batch created), so check before redoing it.
    return { kind: 'transient', message: err.message, code: err.code, maybeDone: true };
  }
  if (err instanceof DownloadTimeoutError) {
    return { kind: 'transient', message: err.message, code: err.code, maybeDone: false };
  }
  if (!(err instanceof OpenAI.APIError)) return undefined;
  if (err instanceof OpenAI.APIUserAbortError) return undefined;
  // The SDK's error types are generic over these; read them as what they are.
  const status = err.status as number | undefined;
  const headers = err.headers as Headers | undefined;
  const base = {
    // A proxy's HTML error page is not logged whole (error-text.ts).
    message: shortErrorMessage(err.message, headers?.get('content-type')),
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
  if (isAccountOutOfFunds(code, base.code)) return { ...base, kind: 'quota', maybeDone: false };
  if (code === 429) {
    return { ...base, kind: 'rate_limited', retryAfterMs: retryAfter(headers), maybeDone: false };
  }
  if (code === 408 || code === 409 || code >= 500) {
    return { ...base, kind: 'transient', retryAfterMs: retryAfter(headers), maybeDone: true };
  }
  return { ...base, kind: 'permanent', maybeDone: false };
}

/**
 * The account cannot pay: 429 `insufficient_quota`, or 400 `billing_hard_limit_reached` (the
 * organisation's spending limit; a 400 that no other file gets past either). Not a rate limit,
 * not the request's fault: nothing is accepted until a person changes the billing.
 */
function isAccountOutOfFunds(status: number, code: string | undefined): boolean {
  return (
    (status === 429 && code === 'insufficient_quota') ||
    (status === 400 && code === 'billing_hard_limit_reached')
  );
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

/**
 * What the adapter throws for a failed call: an ApiError (one already classified unchanged);
 * for a call aborted by its signal, the signal's reason (the stop's own error); anything else
 * unchanged.
 */
export function fromSdkError(err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted === true) return signal.reason as unknown;
  if (err instanceof ApiError) return err;
  const failure = classifyApiError(err);
  if (failure === undefined) return err;
  // An SDK error whose message was cut (a proxy's HTML page) is not kept as the cause: a logged
  // error prints its causes' messages, and that one is the whole page.
  const cut = err instanceof Error && err.message !== failure.message;
  return apiError(failure, undefined, cut ? {} : { cause: err });
}
