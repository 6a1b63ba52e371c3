/**
 * The poll tick's refresh of the unfinished batches (one listing, or a retrieve each), which
 * may fail after the SDK's retries (a 5xx, a dropped connection, a refused key). Such an API
 * failure does not end the tick: it is logged by name (what failed, the error's code and
 * status, never the key), handed back for the daemon to count, and the tick goes on with the
 * batches already known to have ended (their downloads, fates and retries); the next tick
 * tries the refresh again. Anything else (a job file that cannot be written) still fails the
 * tick, and an aborted call (the daemon's stop) passes unchanged.
 */
import { ApiError } from '../errors.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import type { JobTracker } from '../jobs/job-tracker.ts';
import type { Logger } from '../log/logger.ts';

export interface Refreshed {
  /** Job files updated from the API. */
  readonly changed: readonly JobRecord[];
  /** The refresh failed with this API failure: nothing was updated. */
  readonly failure?: ApiError;
}

export async function refreshOrReport(jobs: JobTracker, log: Logger): Promise<Refreshed> {
  try {
    return { changed: await jobs.refresh() };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    log.error(
      { code: err.code, kind: err.kind, status: err.status, requestId: err.requestId },
      `could not list the batches (refreshing the unfinished jobs): ${err.message}; the batches that ended are still handled, the next tick tries again`,
    );
    return { changed: [], failure: err };
  }
}
