/**
 * The submission rate limit (`submit.requests_per_minute`) on the injected clock: at most a
 * sixth of the calls of a minute in any 10 s (a sliding window, so never more than the rate in
 * any minute), which lets a file's upload and batch creation go out together; a limit of one
 * call a second made each new file wait a second between the two. Below 6 a minute, one call
 * in any 60/rpm seconds.
 */
import type { Clock } from '../clock.ts';

export function callWindow(requestsPerMinute: number): { intervalMs: number; cap: number } {
  if (requestsPerMinute < 6) return { intervalMs: Math.ceil(60_000 / requestsPerMinute), cap: 1 };
  return { intervalMs: 10_000, cap: Math.floor(requestsPerMinute / 6) };
}

export interface CallRateLimit {
  /** Runs `call` as soon as the window allows one more start. */
  run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function createCallRateLimit(requestsPerMinute: number, clock: Clock): CallRateLimit {
  const { intervalMs, cap } = callWindow(requestsPerMinute);
  /** Start times of the calls in the current window, oldest first. */
  const starts: number[] = [];
  let turn: Promise<void> = Promise.resolve();

  const acquire = async (signal?: AbortSignal): Promise<void> => {
    for (;;) {
      const now = clock.now();
      while (starts.length > 0 && starts[0]! <= now - intervalMs) starts.shift();
      if (starts.length < cap) {
        starts.push(now);
        return;
      }
      await clock.sleep(starts[0]! + intervalMs - now, signal);
    }
  };

  return {
    async run(call, signal) {
      // One caller at a time waits for the window, in arrival order.
      const mine = turn.then(() => acquire(signal));
      turn = mine.catch(() => undefined);
      await mine;
      return call();
    },
  };
}
