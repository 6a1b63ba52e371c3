/**
 * Calling the API with retries: 429 after the delay it asks for, 5xx and connection errors
 * with exponential backoff; permanent errors (400, 403, 404, ...) and a rejected key (401) are
 * not retried. When a failure may hide work done (`maybeDone`), `check` is asked first whether
 * it was done, before anything is tried again. What fails in the end is thrown as the adapter's
 * ApiError (errors.ts), said of `what`.
 */
import { ApiError, errorMessage, type ApiFailure } from '../errors.ts';
import { backoffMs } from './enqueued-token-budget.ts';

/** The error class of a failed call, under the name submit-file.ts knows it by. */
export { ApiError as ApiCallFailed };

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly capMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly onRetry?: (what: string, failure: ApiFailure, delayMs: number) => void;
}

export async function callWithRetries<T>(
  what: string,
  call: () => Promise<T>,
  policy: RetryPolicy,
  check?: () => Promise<T | undefined>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const failure = err.failure;
      if (failure.kind === 'auth' || failure.kind === 'permanent') throw err.about(what);
      if (failure.maybeDone && check !== undefined) {
        const done = await check().catch((e: unknown) => {
          throw new Error(`${what}: could not check whether it was done: ${errorMessage(e)}`, {
            cause: e,
          });
        });
        if (done !== undefined) return done;
      }
      if (attempt >= policy.attempts) throw err.about(what);
      const delay = failure.retryAfterMs ?? backoffMs(attempt, policy.baseMs, policy.capMs);
      policy.onRetry?.(what, failure, delay);
      await policy.sleep(delay);
    }
  }
}
