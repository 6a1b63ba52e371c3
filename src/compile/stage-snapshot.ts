/**
 * What the other stages say, read once at the start of a compilation: the ledger's slices
 * without a usable result, the finished jobs with results, the batch input files whose batch
 * is not finished (and where each stands), the reviewed-slice files by repo folder.
 *
 * The ledger is read first: a batch that finishes while the rest is read is then seen as
 * pending, never as finished without the fates of its requests.
 */
import { join } from 'node:path';
import type { DataPaths } from '../domain/data-paths.ts';
import type { Config } from '../config/schema.ts';
import { isReviewedSliceFile } from '../domain/inbox-names.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { readJobs } from '../jobs/job-store.ts';
import { foldLedger, LEDGER_FILE, type OpenFate } from '../domain/ledger.ts';
import { readExclusions, type ReviewDecision } from '../domain/review-journal.ts';
import { readJournal } from '../storage/journal.ts';
import { listFiles, type ListedFile, type ListingProblem } from '../storage/list-files.ts';
import type { BatchInputFile } from '../submit/batch-input-files.ts';
import { foldRecords, type SubmissionRecord } from '../jobs/submission-state.ts';
import type { InputFileStanding } from './failure-categories.ts';
import { enqueuedTokenLimits, fileStandings, readBatchInputFiles } from './input-file-standing.ts';

/** The submitter's journal, in the bookkeeping folder. */
const SUBMISSION_JOURNAL = 'submissions.jsonl';

export interface StageSnapshot {
  readonly ledgerOpen: ReadonlyMap<string, OpenFate>;
  /** Answers excluded by a reviewer. */
  readonly excluded: ReadonlyMap<string, ReviewDecision>;
  /** Reviewed-slice files by repo folder, each list in name order. */
  readonly reviewed: ReadonlyMap<string, readonly ListedFile[]>;
  /** Done, with a results file; by batch id. */
  readonly finishedJobs: readonly JobRecord[];
  readonly openInputs: readonly { file: BatchInputFile; standing: InputFileStanding }[];
  /** Every repo folder any of them mentions, sorted. */
  readonly repos: readonly string[];
  /** What the inbox walk skipped (links, loops, unreadable folders). */
  readonly inboxProblems: readonly ListingProblem[];
}

/** The inbox folder that cannot be read and holds `repo`'s slices, if any. */
export function unreadableFolderOf(
  repo: string,
  problems: readonly ListingProblem[],
): ListingProblem | undefined {
  return problems.find(
    (p) => p.kind === 'unreadable' && (repo === p.rel || repo.startsWith(`${p.rel}/`)),
  );
}

function groupByFolder(files: readonly ListedFile[]): Map<string, ListedFile[]> {
  const out = new Map<string, ListedFile[]>();
  for (const f of files) {
    const list = out.get(f.relDir) ?? [];
    list.push(f);
    out.set(f.relDir, list);
  }
  for (const list of out.values()) list.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  return out;
}

export async function readStages(
  paths: DataPaths,
  config: Config,
  now: Date,
  display: (path: string) => string,
): Promise<StageSnapshot> {
  const ledgerOpen = await foldLedger(join(paths.state, LEDGER_FILE));
  const excluded = await readExclusions(paths.state);
  const submissions = foldRecords(
    await readJournal<SubmissionRecord>(join(paths.state, SUBMISSION_JOURNAL)),
  );
  const jobs = await readJobs(paths.batchOutput);
  const standings = fileStandings({
    files: await readBatchInputFiles(paths.batchInput, display),
    submissions,
    jobs,
    limits: await enqueuedTokenLimits(paths.state, config),
    config,
    now: now.getTime(),
  });
  const inboxProblems: ListingProblem[] = [];
  const reviewed = groupByFolder(
    await listFiles(paths.reviewed, isReviewedSliceFile, {
      onProblem: (p) => inboxProblems.push(p),
    }),
  );
  const finishedJobs = [...jobs.values()]
    .filter((j) => j.done && j.results_path !== null)
    .sort((a, b) => (a.batch_id < b.batch_id ? -1 : 1));
  const openInputs: StageSnapshot['openInputs'] = standings.flatMap((s) =>
    s.standing.kind === 'finished' ? [] : [{ file: s.file, standing: s.standing }],
  );
  const repos = [
    ...new Set([
      ...reviewed.keys(),
      ...finishedJobs.map((j) => j.repo),
      ...openInputs.map((s) => s.file.repo),
    ]),
  ].sort();
  return { ledgerOpen, excluded, reviewed, finishedJobs, openInputs, repos, inboxProblems };
}
