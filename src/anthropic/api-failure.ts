/**
 * What an `@anthropic-ai/sdk` error means for the caller, read once, here (as
 * src/openai/api-failure.ts does for the openai SDK): thrown as one of the ApiError classes of
 * errors.ts, so nothing above the adapter sees an SDK error.
 *
 *   401 auth; 402 billing_error quota (nothing works until a person pays); 429 rate_limited;
 *   408, 409, 5xx and 529 (overloaded) transient, maybe done; 413 (a batch over 256 MB) and
 *   other 4xx permanent; no answer at all (a dropped connection, a timeout) transient, maybe
 *   done.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ApiError, apiError, type ApiFailure } from '../errors.ts';
import { MalformedAnswerError } from '../openai/answer-shapes.ts';

function retryAfter(headers: Headers | undefined): number | undefined {
  const raw = headers?.get('retry-after');
  if (raw === null || raw === undefined) return undefined;
  const s = Number(raw);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

export function classifyAnthropicError(err: unknown): ApiFailure | undefined {
  if (err instanceof ApiError) return err.failure;
  if (err instanceof MalformedAnswerError) {
    // A 200 that says nothing usable: failed, and the call may have done its work.
    return { kind: 'transient', message: err.message, code: err.code, maybeDone: true };
  }
  if (!(err instanceof Anthropic.APIError)) return undefined;
  if (err instanceof Anthropic.APIUserAbortError) return undefined;
  const status = err.status as number | undefined;
  const base = {
    message: err.apiMessage ?? err.message,
    status,
    code: err.type ?? undefined,
    requestId: err.requestID ?? undefined,
  };
  if (err instanceof Anthropic.APIConnectionError)
    return { ...base, kind: 'transient', maybeDone: true };
  const code = status ?? 0;
  if (code === 401) return { ...base, kind: 'auth', maybeDone: false };
  if (code === 402) return { ...base, kind: 'quota', maybeDone: false };
  if (code === 429) {
    return {
      ...base,
      kind: 'rate_limited',
      retryAfterMs: retryAfter(err.headers as Headers | undefined),
      maybeDone: false,
    };
  }
  if (code === 408 || code === 409 || code >= 500) {
    return {
      ...base,
      kind: 'transient',
      retryAfterMs: retryAfter(err.headers as Headers | undefined),
      maybeDone: true,
    };
  }
  return { ...base, kind: 'permanent', maybeDone: false };
}

export function fromAnthropicError(err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted === true) return signal.reason as unknown;
  if (err instanceof ApiError) return err;
  const failure = classifyAnthropicError(err);
  return failure === undefined ? err : apiError(failure, undefined, { cause: err });
}
