/**
 * What a submission round did, as written to `batch_submission_results_<ts>.json` (by
 * `slicebatch submit` and by the daemon): the batches created, the failures, the files left
 * waiting and why, the files skipped.
 */
import type { SubmissionRound } from '../jobs/job-store.ts';
import type { PlanDecision } from './submission-plan.ts';
import type { RoundResult } from './submitter.ts';

import { formatCount as count, formatUsd as usd } from '../format.ts';

/** Why a file was not submitted in this round, when it waits for something. */
export function describeWaiting(d: PlanDecision): string | undefined {
  switch (d.kind) {
    case 'wait_budget':
      return `waits for the enqueued-token budget of ${d.model} (${count(d.inUse)} of ${count(d.limit)} in use, needs ${count(d.file.manifest.prompt_tokens)})`;
    case 'backoff':
      return `waits until ${new Date(d.until).toISOString()} (its batch hit the enqueued-token limit)`;
    case 'cost_cap':
      return `not submitted: limits.max_cost_usd (${usd(d.capUsd)}) would be passed (spent about ${usd(d.spentUsd)}, this file about ${usd(d.nextUsd)})`;
    case 'too_large':
      return `never fits: ${count(d.file.manifest.prompt_tokens)} prompt tokens, more than the limit of ${count(d.limit)} (convert again with that limit to split it)`;
    default:
      return undefined;
  }
}

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
