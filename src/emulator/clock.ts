/**
 * The emulator's time. Batches progress as a function of this clock: the system clock in real
 * use, a manual clock (shared with the code under test) in tests. A server whose clock
 * disagrees with ours is the `clock_offset_s` fault (faults.ts).
 */
import type { Clock } from '../clock.ts';

export { ManualClock, systemClock } from '../clock.ts';

export type EmulatorClock = Pick<Clock, 'now'>;

/** The clock of a server that runs `offsetMs` ahead (behind, when negative) of `clock`. */
export function offsetClock(clock: EmulatorClock, offsetMs: number): EmulatorClock {
  return offsetMs === 0 ? clock : { now: () => clock.now() + offsetMs };
}

/** Unix seconds, as the API's timestamps. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
