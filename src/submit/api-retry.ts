/**
 * Calling the API with retries: 429 after the delay it asks for, 5xx and connection errors
 * with exponential backoff; permanent errors (400, 403, 404, ...), a rejected key (401) and an
 * exhausted quota (429 insufficient_quota) are not retried. When a failure may hide work done (`maybeDone`), `check` is asked first whether
 * it was done, before anything is tried again.
 */
import { errorMessage } from '../errors.ts';
import { classifyApiError, type ApiFailure } from '../openai/api-failure.ts';
import { backoffMs } from './enqueued-token-budget.ts';

export class ApiCallFailed extends Error {
  readonly failure: ApiFailure;
  constructor(what: string, failure: ApiFailure) {
    super(
      `${what}: ${failure.message}${failure.requestId ? ` (request ${failure.requestId})` : ''}`,
    );
    this.name = 'ApiCallFailed';
    this.failure = failure;
  }
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
      const classified = classifyApiError(err);
      if (classified === undefined) throw err;
      const failure = reclassify(classified);
      if (failure.kind === 'auth' || failure.kind === 'quota' || failure.kind === 'permanent')
        throw new ApiCallFailed(what, failure);
      if (failure.maybeDone && check !== undefined) {
        const done = await check().catch((e: unknown) => {
          throw new Error(`${what}: could not check whether it was done: ${errorMessage(e)}`, {
            cause: e,
          });
        });
        if (done !== undefined) return done;
      }
      if (attempt >= policy.attempts) throw new ApiCallFailed(what, failure);
      const delay = failure.retryAfterMs ?? backoffMs(attempt, policy.baseMs, policy.capMs);
      policy.onRetry?.(what, failure, delay);
      await policy.sleep(delay);
    }
  }
}
