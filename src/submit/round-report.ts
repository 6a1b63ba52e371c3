/**
 * What a submission round did, as written to `batch_submission_results_<ts>.json` (by
 * `slicebatch submit` and by the daemon): the batches created, the failures, the files left
 * waiting and why, the files skipped.
 */
import type { SubmissionRound } from '../jobs/job-store.ts';
import { describeWaiting } from '../domain/submission-plan.ts';
import type { RoundResult } from './submitter.ts';

export function submissionRoundReport(round: RoundResult, now: Date): SubmissionRound {
  const waiting = round.decisions.flatMap((d) => {
    const reason = describeWaiting(d);
    return reason === undefined ? [] : [{ file: d.file.display, reason }];
  });
  const skipped = round.decisions.flatMap((d) =>
    d.kind === 'done'
      ? [{ file: d.file.display, reason: `already submitted as ${d.batchId}` }]
      : d.kind === 'duplicate'
        ? [{ file: d.file.display, reason: `same content as ${d.of}` }]
        : d.kind === 'failed'
          ? [{ file: d.file.display, reason: `failed earlier: ${d.reason}` }]
          : [],
  );
  return {
    submitted_jobs: round.submitted,
    failed_submissions: round.failed.map((f) => ({
      file: f.file,
      error: f.error,
      timestamp: now.toISOString(),
    })),
    waiting,
    skipped,
    timestamp: now.toISOString(),
  };
}
