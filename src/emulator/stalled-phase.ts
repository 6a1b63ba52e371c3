/**
 * The batch fault `stall`: one batch stays in `validating`, `finalizing` or `cancelling` far
 * longer than the schedule says (`for_s` more). Users report batches that sit in `finalizing`
 * for a long time once every request is done (bespokelabsai/curator issue 287) and long
 * `validating` and `cancelling` phases (cancelling: "up to 10 minutes"); a client must wait,
 * neither resending nor giving up. Pure: the schedule one batch runs on.
 */
import type { Schedule } from './batch-lifecycle.ts';

export const STALL_PHASES = ['validating', 'finalizing', 'cancelling'] as const;
export type StallPhase = (typeof STALL_PHASES)[number];

export interface Stall {
  readonly phase: StallPhase;
  readonly ms: number;
}

/** The schedule of a batch with this stall (none: the emulator's). */
export function scheduleOf(stall: Stall | null | undefined, schedule: Schedule): Schedule {
  if (stall == null) return schedule;
  switch (stall.phase) {
    case 'validating':
      return { ...schedule, validatingMs: schedule.validatingMs + stall.ms };
    case 'finalizing':
      return { ...schedule, finalizingMs: schedule.finalizingMs + stall.ms };
    case 'cancelling':
      return { ...schedule, cancellingMs: schedule.cancellingMs + stall.ms };
  }
}
