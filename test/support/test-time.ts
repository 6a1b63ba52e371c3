/**
 * The instant a test run starts from: the real current time, to the whole second. Tests that
 * need fixed timestamps (file names, say) take them from here, never from a calendar date
 * written in the test, so that the suite means the same on any day.
 */
import { localIsoTime } from '../../src/jobs/job-record.ts';

export const RUN_START = new Date(Math.floor(Date.now() / 1000) * 1000);

/** `ms` after the run's start. */
export function later(ms: number): Date {
  return new Date(RUN_START.getTime() + ms);
}

/** When the test slices were cut: the run's start, in the slicer's local ISO form. */
export const SLICED_AT = localIsoTime(RUN_START.getTime()).slice(0, 19);
