/**
 * The organisation's limit on batch creations (the Batch guide: 2,000 an hour; users meet it
 * as a 429 on `POST /v1/batches`, BerriAI/litellm issue 23901). Over it, a create is answered
 * 429 `rate_limit_exceeded` with `retry-after` (seconds until the oldest creation of the hour
 * leaves the window) and the `x-ratelimit-*` headers of the rate-limits guide: a wait far longer
 * than a client's usual retries. A sliding hour on the server's clock.
 */
import { ApiError } from './api-errors.ts';

export const HOUR_MS = 3_600_000;
/** The documented default. */
export const BATCH_CREATES_PER_HOUR = 2000;

/** `1h0m0s`-style, as the `x-ratelimit-reset-*` headers write durations. */
export function resetDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s % 60}s`;
}

export function batchCreateLimitError(perHour: number, waitMs: number): ApiError {
  const wait = resetDuration(waitMs);
  return new ApiError(
    429,
    `Rate limit reached for batch creation in organization org-emulator: Limit ${perHour} / 1h. Please try again in ${wait}.`,
    {
      type: 'requests',
      code: 'rate_limit_exceeded',
      headers: {
        'retry-after': String(Math.ceil(waitMs / 1000)),
        'x-ratelimit-limit-requests': String(perHour),
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': wait,
      },
    },
  );
}

export interface BatchCreateLimit {
  /** Counts one creation now, or throws the 429 of a full hour. */
  admit(): void;
}

export function createBatchCreateLimit(perHour: number, now: () => number): BatchCreateLimit {
  /** Times of the creations of the last hour, oldest first. */
  const starts: number[] = [];
  return {
    admit() {
      const t = now();
      while (starts.length > 0 && starts[0]! <= t - HOUR_MS) starts.shift();
      if (starts.length >= perHour) throw batchCreateLimitError(perHour, starts[0]! + HOUR_MS - t);
      starts.push(t);
    },
  };
}
