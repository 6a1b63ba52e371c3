/**
 * How the server writes the wait it asks for (fault profile `retry_after_form`). RFC 9110
 * (section 10.2.3) allows `Retry-After` as delay-seconds or as an HTTP-date; the openai SDK
 * also reads `retry-after-ms`. The emulator writes seconds by default; with `http_date` the
 * same wait as a date on the server's clock (which `clock_offset_s` may set apart from ours),
 * with `ms` as `retry-after-ms` alone. Pure.
 */
import { ApiError } from './api-errors.ts';

export type RetryAfterForm = 'seconds' | 'http_date' | 'ms';

/** The error with its `retry-after` written in `form` (unchanged without one, or in seconds). */
export function withRetryAfterForm(err: unknown, form: RetryAfterForm, nowMs: number): unknown {
  if (!(err instanceof ApiError) || form === 'seconds') return err;
  const seconds = Number(err.headers['retry-after']);
  if (!Number.isFinite(seconds)) return err;
  const { ['retry-after']: _seconds, ...rest } = err.headers;
  const headers =
    form === 'ms'
      ? { ...rest, 'retry-after-ms': String(Math.round(seconds * 1000)) }
      : { ...rest, 'retry-after': new Date(nowMs + seconds * 1000).toUTCString() };
  const { message, type, param, code } = err.body.error;
  return new ApiError(err.status, message, { type, param, code, headers });
}
