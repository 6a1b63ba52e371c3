/**
 * Submitting (steps 2 and 3) as a unit shared by `slicebatch submit` and the daemon: made from
 * its dependencies, run with a stop signal, it lists the batch input files, submits a round
 * (exactly once, within the budget and the cost cap) and writes the round's
 * `batch_submission_results_<ts>.json`: always (the command), or only when a file was
 * submitted or failed (the daemon, which submits often).
 */
import type { DataPaths } from '../domain/data-paths.ts';
import { writeSubmissionRound, type SubmissionRound } from '../jobs/job-store.ts';
import { listBatchInputFiles, type BatchInputFile } from '../submit/batch-input-files.ts';
import { submissionRoundReport } from '../submit/round-report.ts';
import type { RoundResult, Submitter } from '../submit/submitter.ts';

export interface SubmitStepDeps {
  readonly paths: DataPaths;
  readonly submitter: Pick<Submitter, 'submitRound'>;
  /** Names the round's file (its timestamp). */
  readonly now: () => number;
  /** `always`: a round file even when nothing happened (the command). */
  readonly writeRound: 'always' | 'when-something-happened';
}

export interface SubmitStepResult {
  readonly files: readonly BatchInputFile[];
  readonly round: RoundResult;
  readonly report: SubmissionRound;
  /** The round's file, when one was written. */
  readonly resultsPath: string | undefined;
}

/** True when the round submitted or failed a file: worth its own round file. */
export function somethingHappened(round: RoundResult): boolean {
  return round.submitted.length > 0 || round.failed.length > 0;
}

export function createSubmitStep(
  deps: SubmitStepDeps,
): (signal?: AbortSignal) => Promise<SubmitStepResult> {
  const { paths } = deps;
  return async (signal) => {
    const files = await listBatchInputFiles(paths.batchInput, paths.dataDir);
    const round = await deps.submitter.submitRound(files, signal);
    const at = new Date(deps.now());
    const report = submissionRoundReport(round, at);
    const write = deps.writeRound === 'always' || somethingHappened(round);
    const resultsPath = write
      ? await writeSubmissionRound(paths.batchOutput, report, at)
      : undefined;
    return { files, round, report, resultsPath };
  };
}
