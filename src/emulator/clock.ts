/**
 * The emulator's time. Batches progress as a function of this clock: the system clock in real
 * use, a manual clock that tests advance deterministically.
 */

export interface EmulatorClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: EmulatorClock = { now: () => Date.now() };

export class ManualClock implements EmulatorClock {
  private t: number;
  constructor(start = Date.UTC(2026, 10, 25, 12, 0, 0)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a clock does not go back');
    this.t += ms;
  }
}

/** Unix seconds, as the API's timestamps. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
