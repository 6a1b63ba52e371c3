/**
 * What the other stages say, read once at the start of a compilation: every request's latest
 * fate (the ledger), the finished jobs with results, the batch input files whose batch is not
 * finished (and where each stands), the reviewed-slice files by repo folder.
 *
 * The ledger is read after the job files: the poller appends a batch's fates before it marks
 * the batch handled, so every batch seen as finished has its fates in the ledger read (a batch
 * that finishes meanwhile is seen as pending).
 */
import { join } from 'node:path';
import type { DataPaths } from '../domain/data-paths.ts';
import type { Config } from '../config/schema.ts';
import { isReviewedSliceFile } from '../domain/inbox-names.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { readJobs } from '../jobs/job-store.ts';
import { LEDGER_FILE } from '../domain/ledger.ts';
import { foldLedgerFates, type LedgerFates } from '../domain/ledger-fates.ts';
import { readExclusions, type ReviewDecision } from '../domain/review-journal.ts';
import { readJournal } from '../storage/journal.ts';
import { listFiles, type ListedFile, type ListingProblem } from '../storage/list-files.ts';
import type { BatchInputFile } from '../domain/batch-input-manifest.ts';
import { foldRecords, type SubmissionRecord } from '../jobs/submission-state.ts';
import type { InputFileStanding } from './failure-categories.ts';
import { enqueuedTokenLimits, fileStandings, readBatchInputFiles } from './input-file-standing.ts';

/** The submitter's journal, in the bookkeeping folder. */
const SUBMISSION_JOURNAL = 'submissions.jsonl';

export interface StageSnapshot {
  /** Every request's latest fate: which results are usable, why the others are not. */
  readonly fates: LedgerFates;
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
  const excluded = await readExclusions(paths.state);
  const submissions = foldRecords(
    await readJournal<SubmissionRecord>(join(paths.state, SUBMISSION_JOURNAL)),
  );
  const jobs = await readJobs(paths.batchOutput);
  const fates = await foldLedgerFates(join(paths.state, LEDGER_FILE));
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
  return { fates, excluded, reviewed, finishedJobs, openInputs, repos, inboxProblems };
}
