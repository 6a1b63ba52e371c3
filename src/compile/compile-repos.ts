/**
 * Every repo folder's records and failures, folder after folder (compile-repo.ts does one): the
 * processed file of a folder and scenario is created when its first record comes, every slice
 * without a record goes to the one failures report, and each folder's processed files are
 * fsynced while the next folder is compiled. A folder whose inbox folder cannot be read is left
 * out of the set and said (not reported missing).
 */
import type { Scenario } from '../domain/answer-schemas.ts';
import type { AtomicStreamFile } from '../storage/atomic-stream-file.ts';
import { describeListingProblem } from '../storage/list-files.ts';
import type { CompileRun } from './compile-run.ts';
import { compileRepo } from './compile-repo.ts';
import type { ProcessedOutput, RepoInput } from './repo-terms.ts';
import type { SplitRecords } from './dataset-split.ts';
import type { StatisticsCounter } from './dataset-statistics.ts';
import { failureLine } from './failure-categories.ts';
import type { FineTuningChecks } from './fine-tuning-checks.ts';
import type { OutputSet } from './output-set.ts';
import { PositionalReader } from './positional-reader.ts';
import { ResultIndex } from './result-index.ts';
import { unreadableFolderOf, type StageSnapshot } from './stage-snapshot.ts';

/** A processed file of the set: its repo folder and scenario. */
export type ProcessedEntry = ProcessedOutput & { repo: string; scenario: Scenario };

export interface RepoPass {
  readonly run: CompileRun;
  readonly snapshot: StageSnapshot;
  readonly files: OutputSet;
  readonly fineTuning: FineTuningChecks | undefined;
  readonly stats: StatisticsCounter;
  readonly split: SplitRecords;
}

export interface ReposCompiled {
  /** In the order they were created: a record's file number is its index here. */
  readonly processed: readonly ProcessedEntry[];
  /** Sealing in the background (OutputSet.sealed). */
  readonly failures: AtomicStreamFile;
  /** Inbox folders that could not be read (their slices are left out of this set), and why. */
  readonly notCompiled: readonly { readonly folder: string; readonly reason: string }[];
}

/** What compile-repo.ts needs of `repo` from the snapshot and the run's settings (pure). */
export function repoInput(pass: RepoPass, repo: string): RepoInput {
  const { run, snapshot } = pass;
  return {
    repo,
    dataDir: run.paths.dataDir,
    batchInputDir: run.paths.batchInput,
    reviewed: snapshot.reviewed.get(repo) ?? [],
    jobs: snapshot.finishedJobs.filter((j) => j.repo === repo),
    openInputs: snapshot.openInputs.filter((s) => s.file.repo === repo),
    fates: snapshot.fates,
    excluded: snapshot.excluded,
    format: run.format,
    trainRatio: run.trainRatio,
    seed: run.seed,
    requirements: run.config.scenarios.scenario2.requirements,
    display: run.display,
    fineTuning: pass.fineTuning,
  };
}

export async function compileRepos(pass: RepoPass): Promise<ReposCompiled> {
  const { run, snapshot, stats } = pass;
  const failures = await pass.files.create(`failures_${run.ts}.jsonl`);
  for (const p of snapshot.inboxProblems) {
    run.log.warn({ folder: p.rel }, `inbox: ${describeListingProblem(p)}`);
  }
  const notCompiled = snapshot.inboxProblems.flatMap((p) =>
    p.kind === 'unreadable' ? [{ folder: p.rel, reason: p.error.code ?? p.error.message }] : [],
  );
  const processed: ProcessedEntry[] = [];
  const reader = new PositionalReader();
  const index = new ResultIndex();
  try {
    for (const repo of snapshot.repos) {
      run.signal?.throwIfAborted();
      const unreadable = unreadableFolderOf(repo, snapshot.inboxProblems);
      if (unreadable !== undefined) {
        run.log.warn(
          { repo, folder: unreadable.rel },
          `not compiled: ${repo}: its inbox folder ${unreadable.rel} cannot be read`,
        );
        continue;
      }
      const before = { records: stats.records, failures: stats.failures };
      await compileOneRepo(pass, repo, { failures, processed, reader, index });
      reader.close();
      const records = stats.records - before.records;
      const failed = stats.failures - before.failures;
      run.log.info(
        { repo, records, failures: failed },
        `compiled ${repo || '(top level)'}: ${records} records, ${failed} slices without one`,
      );
    }
  } finally {
    reader.close();
    index.release();
  }
  pass.files.seal(failures);
  return { processed, failures, notCompiled };
}

/** One folder into the set's files: its processed files are created as records come. */
async function compileOneRepo(
  pass: RepoPass,
  repo: string,
  shared: {
    failures: AtomicStreamFile;
    processed: ProcessedEntry[];
    reader: PositionalReader;
    index: ResultIndex;
  },
): Promise<void> {
  const { run, stats } = pass;
  pass.stats.repo(repo);
  const mine = new Map<Scenario, Promise<ProcessedOutput>>();
  const processedFile = (scenario: Scenario): Promise<ProcessedOutput> => {
    let p = mine.get(scenario);
    if (p === undefined) {
      const name = `${scenario}_processed_${run.ts}.jsonl`;
      p = pass.files.create(...repo.split('/').filter(Boolean), name).then((file) => {
        const entry = { file, number: shared.processed.length, records: 0, repo, scenario };
        shared.processed.push(entry);
        return entry;
      });
      mine.set(scenario, p);
    }
    return p;
  };
  await compileRepo(repoInput(pass, repo), {
    processed: processedFile,
    flush: async () => {
      run.signal?.throwIfAborted();
      await shared.failures.flush();
      for (const p of mine.values()) await (await p).file.flush();
    },
    fail: (entry) => {
      shared.failures.appendText(failureLine(entry));
      stats.failure(entry.category);
    },
    split: pass.split,
    stats,
    reader: shared.reader,
    index: shared.index,
  });
  // Written (readable for the split files); fsynced meanwhile.
  for (const p of mine.values()) {
    const { file } = await p;
    await file.written();
    pass.files.seal(file);
  }
}
