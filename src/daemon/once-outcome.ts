/**
 * `run --once`: whether everything taken has reached an end, and the exit status (pure).
 *
 * Not ended while a file of the inbox waits to be complete or taken, a batch input file waits to
 * be submitted (or to be tried again), or a batch has not been handled to its end. Ended with 0
 * when every slice has a result or a final reason (rejected line, permanent request error,
 * unparseable after the last attempt, failed validation), with 1 when something could not be
 * finished: a file that could not be read, a batch input file not submitted (cost cap, too large
 * for the token limit, refused, given up after repeated failures), a refused key, results that
 * could not be downloaded.
 */
import type { JobRecord } from '../jobs/job-record.ts';
import type { PlanDecision } from '../domain/submission-plan.ts';
import { unknownAttention } from '../jobs/unknown-batch.ts';

export interface OnceState {
  /** Inbox files seen and not complete, or complete and not taken yet. */
  readonly inboxWaiting: number;
  /** Steps running or queued. */
  readonly busy: boolean;
  /** The decisions of the latest submission round, undefined before the first. */
  readonly decisions: readonly PlanDecision[] | undefined;
  readonly jobs: Iterable<JobRecord>;
  /** Inbox files that could not be read: path → reason. */
  readonly unreadable: ReadonlyMap<string, { readonly reason: string }>;
  /** Batch input files whose submission failed in a row this often: display name → count. */
  readonly submitFailures: ReadonlyMap<string, number>;
  /** Poll ticks in a row in which the results of a batch could not be downloaded. */
  readonly downloadFailures: ReadonlyMap<string, number>;
  /** Failed submission rounds in a row after which a file is given up (retry.submit_rounds). */
  readonly submitRounds: number;
  /** Refused downloads in a row after which a batch is given up (retry.download_refusals). */
  readonly downloadRefusals: number;
  /** Other failed downloads in a row, the same (retry.download_interruptions). */
  readonly downloadInterruptions: number;
  /** The key was refused. */
  readonly authError: string | undefined;
  /** The API said the account's quota is exhausted (429 insufficient_quota). */
  readonly quotaError?: string | undefined;
}

export type OnceOutcome =
  | { readonly ended: false; readonly waitingFor: string }
  | { readonly ended: true; readonly exitCode: 0 | 1; readonly unfinished: readonly string[] };

export function onceOutcome(s: OnceState): OnceOutcome {
  if (s.authError !== undefined) {
    return { ended: true, exitCode: 1, unfinished: [`the API refused the key: ${s.authError}`] };
  }
  if (s.quotaError !== undefined) {
    return {
      ended: true,
      exitCode: 1,
      unfinished: [`the account's quota is exhausted (insufficient_quota): ${s.quotaError}`],
    };
  }
  if (s.busy) return { ended: false, waitingFor: 'a step in progress' };
  if (s.inboxWaiting > 0) return { ended: false, waitingFor: 'inbox files' };
  if (s.decisions === undefined) return { ended: false, waitingFor: 'the first submission round' };
  const unfinished: string[] = [];
  for (const [path, { reason }] of s.unreadable) unfinished.push(`${path}: not read (${reason})`);
  for (const d of s.decisions) {
    const file = d.file.display;
    switch (d.kind) {
      case 'submit': {
        const failures = s.submitFailures.get(file) ?? 0;
        if (failures < s.submitRounds) return { ended: false, waitingFor: file };
        unfinished.push(`${file}: not submitted, ${failures} failed attempts`);
        break;
      }
      case 'in_flight':
      case 'backoff':
      case 'wait_budget':
        return { ended: false, waitingFor: file };
      case 'failed':
        unfinished.push(`${file}: not submitted (${d.reason})`);
        break;
      case 'cost_cap':
        unfinished.push(`${file}: not submitted, limits.max_cost_usd would be passed`);
        break;
      case 'too_large':
        unfinished.push(`${file}: not submitted, larger than the enqueued-token limit ${d.limit}`);
        break;
      case 'done':
      case 'duplicate':
        break;
    }
  }
  for (const job of s.jobs) {
    if (job.done) continue;
    const unknown = unknownAttention(job);
    if (unknown !== undefined) {
      unfinished.push(unknown);
      continue;
    }
    const failures = s.downloadFailures.get(job.batch_id) ?? 0;
    // A dropped connection resumes where it stopped: a refusal (the file is gone) is given up
    // sooner than other failures.
    const limit =
      job.download_error_permanent === true ? s.downloadRefusals : s.downloadInterruptions;
    if (job.download_error === null || failures < limit) {
      return { ended: false, waitingFor: `batch ${job.batch_id}` };
    }
    unfinished.push(
      `batch ${job.batch_id}: results not downloaded after ${failures} tries (${job.download_error})`,
    );
  }
  return { ended: true, exitCode: unfinished.length === 0 ? 0 : 1, unfinished };
}
