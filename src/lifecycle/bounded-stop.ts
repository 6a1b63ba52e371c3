/**
 * A stop that is really bounded. One AbortController per process: every step and every API call
 * gets its signal. The stop closes the doors (no new work) and waits for the running work at the
 * same time; if that has not ended by the deadline, the signal is aborted, and the work gets a
 * short grace to unwind before the stop goes on without it (every step is safe to cut: the next
 * start resumes it). So a stop takes at most `deadlineMs + ABORT_GRACE_MS` plus the releasers.
 */
import { SlicebatchError } from '../errors.ts';

/** How long aborted work gets to unwind after the deadline. */
export const ABORT_GRACE_MS = 500;

/** The reason of the abort: the stop deadline passed with work still running. */
export class StopDeadlineError extends SlicebatchError {
  readonly deadlineMs: number;
  constructor(deadlineMs: number) {
    super('stop_deadline', `stopping: the work in progress did not end within ${deadlineMs} ms`);
    this.deadlineMs = deadlineMs;
  }
}

/** `drained`: ended in time; `aborted`: ended once aborted; `abandoned`: not even then. */
export type StopOutcome = 'drained' | 'aborted' | 'abandoned';

export interface BoundedStopOptions {
  readonly deadlineMs: number;
  /** Aborted at the deadline with a StopDeadlineError. */
  readonly controller: AbortController;
  readonly graceMs?: number;
}

/**
 * Runs the `closers` (no new work: watcher, cron) and `drain` (the running work ends) together,
 * within the deadline; see the header.
 */
export async function stopWithin(
  work: { readonly closers: readonly (() => unknown)[]; readonly drain: () => Promise<void> },
  options: BoundedStopOptions,
): Promise<StopOutcome> {
  const ended = Promise.all([...work.closers.map((close) => close()), work.drain()]).then(
    () => true,
    () => true,
  );
  const within = (ms: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      ended,
      new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false))),
    ]).finally(() => clearTimeout(timer));
  };
  if (await within(options.deadlineMs)) return 'drained';
  options.controller.abort(new StopDeadlineError(options.deadlineMs));
  return (await within(options.graceMs ?? ABORT_GRACE_MS)) ? 'aborted' : 'abandoned';
}

/** True when `err` is the stop's abort (or an error a step threw because of it). */
export function abortedByStop(signal: AbortSignal, err: unknown): boolean {
  return signal.aborted && signal.reason instanceof StopDeadlineError && err !== undefined;
}
