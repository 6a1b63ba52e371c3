/**
 * The one clock of the product: what time it is and waiting, injected everywhere time matters
 * (the submission rate limit, reconciliation windows, retry delays, file names, timestamps).
 * Production uses the system clock; tests share one controlled clock between the emulator and
 * the code under test, so no test depends on the calendar date or on waiting for real.
 *
 * Nothing here is compared with a server's clock: timestamps the API reports are the API's
 * facts and are only compared with each other.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with an AbortError when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(Math.max(0, ms), undefined, signal ? { signal } : undefined),
};

/**
 * A clock that moves only when told: `advance(ms)`, or a `sleep`, which moves it by the time
 * slept and resolves at once (virtual time: a ten-minute wait takes no real time). Starts at
 * the real current time unless told otherwise, so that nothing depends on a calendar date.
 */
export class ManualClock implements Clock {
  private t: number;
  constructor(start = Math.floor(Date.now() / 1000) * 1000) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a clock does not go back');
    this.t += ms;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    // Let other work run first, as a real timer would.
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    this.advance(Math.max(0, ms));
  }
}
