/**
 * A batch the API says it does not have: 404 on `batches.retrieve` although a job file names it
 * (a key of another project than the one that created it, a job file copied from elsewhere, a
 * batch purged after it ended: tensorzero/tensorzero issue 1198, pull request 7025). It must
 * not stop the poll tick, which would hold up every other batch. The job is marked (once, with a
 * warning); its requests wait: nothing is decided or sent again for them, since the batch may
 * well run and be paid for in the other project. It is asked again on each tick, and the mark
 * goes once the API answers for it. Pure.
 */
import { ApiError } from '../errors.ts';
import type { JobRecord } from './job-record.ts';

/** What the API said, when `err` is its 404 for a batch; undefined for any other error. */
export function unknownBatchMessage(err: unknown): string | undefined {
  if (!(err instanceof ApiError) || err.failure.status !== 404) return undefined;
  return `404: ${err.failure.message}`;
}

/** The job marked unknown to the API since `nowMs` (kept as it is when already marked). */
export function markedUnknown(job: JobRecord, message: string, nowMs: number): JobRecord {
  if (job.unknown_to_api != null) return job;
  return { ...job, unknown_to_api: { since: new Date(nowMs).toISOString(), message } };
}

export function unknownWarning(job: JobRecord): string {
  return `the API does not know batch ${job.batch_id} (${job.batch_file}): ${job.unknown_to_api?.message ?? '404'}; a key of another project, or a batch deleted? Its requests wait (nothing is sent again); asked again on each poll`;
}

/** What `status` and `run --once` say of a job the API does not know. */
export function unknownAttention(job: JobRecord): string | undefined {
  if (job.unknown_to_api == null || job.done) return undefined;
  return `batch ${job.batch_id} (${job.batch_file}) is unknown to the API since ${job.unknown_to_api.since} (${job.unknown_to_api.message}): check the key's project; its requests wait`;
}

/** The attention entries of `status` for a job (none, or one: `batch_unknown`). */
export function unknownAttentions(job: JobRecord): { kind: string; message: string }[] {
  const message = unknownAttention(job);
  return message === undefined ? [] : [{ kind: 'batch_unknown', message }];
}
