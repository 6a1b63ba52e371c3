/**
 * What `run --once` decides from (daemon/once-outcome.ts), built for a test: nothing waiting,
 * nothing failed, the default give-up settings (3 submit rounds, 3 refused and 30 interrupted
 * downloads), with the test's own fields over them; and a job record with only the fields a
 * test names (a batch id, a file, not done by default).
 */
import type { OnceState } from '../../src/daemon/once-outcome.ts';
import type { JobRecord } from '../../src/jobs/job-record.ts';

export function onceState(o: Partial<OnceState> = {}): OnceState {
  return {
    inboxWaiting: 0,
    busy: false,
    decisions: [],
    jobs: [],
    unreadable: new Map(),
    submitFailures: new Map(),
    downloadFailures: new Map(),
    submitRounds: 3,
    downloadRefusals: 3,
    downloadInterruptions: 30,
    authError: undefined,
    ...o,
  };
}

/** A job record of which only these fields matter (the others are left out). */
export function jobWith(o: Partial<JobRecord>): JobRecord {
  return { batch_id: 'batch_x', batch_file: 'x.jsonl', done: false, ...o } as JobRecord;
}
