/**
 * Calling the API with retries: 429 after the delay it asks for (unless that is longer than the
 * backoff's cap: then the call fails at once, submit-pause.ts), 5xx and connection errors
 * with exponential backoff; permanent errors (400, 403, 404, ...), a rejected key (401) and an
 * exhausted quota (429 insufficient_quota) are not retried. When a failure may hide work done
 * (`maybeDone`), `check` is asked first whether it was done, before anything is tried again.
 * What fails in the end is thrown as the adapter's ApiError (errors.ts), said of `what` (of the
 * class of the failure as the caller reclassified it).
 */
import { ApiError, apiError, errorMessage, type ApiFailure } from '../errors.ts';
import { backoffMs } from '../domain/enqueued-token-budget.ts';
import { asksLongWait } from './submit-pause.ts';

/** The error class of a failed call, under the name submit-file.ts knows it by. */
export { ApiError as ApiCallFailed };

/** A failure the caller reclassified, said of `what`, as the class of its new kind. */
function saidOf(what: string, failure: ApiFailure, cause: ApiError): ApiError {
  const where = failure.requestId ? ` (request ${failure.requestId})` : '';
  return apiError(failure, `${what}: ${failure.message}${where}`, { cause });
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly capMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onRetry?: (what: string, failure: ApiFailure, delayMs: number) => void;
}

/** What the caller knows better than the status code (an early 400 on a fresh upload, say). */
export type Reclassify = (failure: ApiFailure) => ApiFailure;

export async function callWithRetries<T>(
  what: string,
  call: () => Promise<T>,
  policy: RetryPolicy,
  check?: () => Promise<T | undefined>,
  reclassify: Reclassify = (f) => f,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const failure = reclassify(err.failure);
      const failed = (): ApiError =>
        failure === err.failure ? err.about(what) : saidOf(what, failure, err);
      if (failure.kind === 'auth' || failure.kind === 'quota' || failure.kind === 'permanent')
        throw failed();
      if (failure.maybeDone && check !== undefined) {
        const done = await check().catch((e: unknown) => {
          throw new Error(`${what}: could not check whether it was done: ${errorMessage(e)}`, {
            cause: e,
          });
        });
        if (done !== undefined) return done;
      }
      // A wait longer than the retries' own (an hour's limit) is not sat out here.
      if (attempt >= policy.attempts || asksLongWait(failure, policy.capMs)) throw failed();
      const delay = failure.retryAfterMs ?? backoffMs(attempt, policy.baseMs, policy.capMs);
      policy.onRetry?.(what, failure, delay);
      await policy.sleep(delay);
    }
  }
}
