/**
 * When the API asks to wait longer than a call's retries would (a 429 whose `retry-after` is
 * past the retry policy's cap: the limit on batch creations per hour, say), the call is not
 * retried in the round and the round starts no more calls: no file is submitted before the time
 * the API named, and the files left wait, not failed. Pure.
 */
import { ApiError } from '../errors.ts';
import type { PlanDecision } from '../domain/submission-plan.ts';
import type { SubmitPause } from '../jobs/submit-pause-file.ts';

export type { SubmitPause } from '../jobs/submit-pause-file.ts';

/** True when the API asked to wait longer than `capMs`: not a wait for one call's retries. */
export function asksLongWait(
  failure: { readonly retryAfterMs?: number | undefined },
  capMs: number,
): boolean {
  return failure.retryAfterMs !== undefined && failure.retryAfterMs > capMs;
}

/** The pause a failed submission asks for, if it asks for one. */
export function pauseOf(err: unknown, capMs: number, now: number): SubmitPause | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const f = err.failure;
  if (!asksLongWait(f, capMs)) return undefined;
  const what = [f.status, f.code].filter((x) => x !== undefined).join(' ');
  return {
    until: now + f.retryAfterMs!,
    reason: `the API limits these calls: ${what}: ${f.message}`,
  };
}

/** The later of two pauses (either may be absent). */
export function laterPause(
  a: SubmitPause | undefined,
  b: SubmitPause | undefined,
): SubmitPause | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.until > a.until ? b : a;
}

/**
 * The plan while paused: each file to submit (but those in `sent`, by content) waits until
 * the pause ends instead.
 */
export function holdWhilePaused(
  decisions: readonly PlanDecision[],
  pause: SubmitPause | undefined,
  now: number,
  sent: ReadonlySet<string> = new Set(),
): PlanDecision[] {
  if (pause === undefined || now >= pause.until) return [...decisions];
  return decisions.map((d) =>
    d.kind === 'submit' && !sent.has(d.file.manifest.sha256)
      ? { kind: 'backoff', file: d.file, until: pause.until, reason: pause.reason }
      : d,
  );
}
