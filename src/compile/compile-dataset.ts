/**
 * Step 4: results → dataset. Writes, in the final output folder, with `<ts>` the time of the
 * run (YYYYMMDD_HHMMSS):
 *
 *   <repo>/scenario{1,2}_processed_<ts>.jsonl   the records of a repo folder and scenario
 *   train_dataset_<ts>.jsonl, val_dataset_<ts>.jsonl   the stable, seeded split (dataset-split.ts)
 *   failures_<ts>.jsonl                         every slice without a record, and why
 *                                               (failure-categories.ts)
 *   dataset_statistics_<ts>.json, review_summary_<ts>.md
 *   hf_dataset_<ts>/                            the same splits in the Hugging Face layout, with
 *                                               a dataset card, and Parquet with compile.parquet
 *                                               (hf-dataset.ts)
 *
 * Every file is streamed to a hidden temporary name and fsynced; all are renamed into place at
 * the end (the summary last), so a run that fails or crashes publishes nothing, and a run's
 * files appear together. It only reads the other stages, so it can run while they change: a
 * batch that finishes meanwhile counts as pending.
 *
 * Memory. What grows with the dataset: 20 bytes per record written, for the split (its order
 * key, side, processed file, offset and length: SplitRecords, in segments of 65,536 records),
 * plus 8 bytes per record of one side while that side is put in order at the end. While a repo
 * folder is compiled: its index, 24 bytes per slot, 32 to 64 bytes per 200 answer and per
 * unfinished request of that folder (ResultIndex, sized from the job files, reused from folder
 * to folder, released before the split files). Beside: the ledger's fates (ledger-fates.ts: the
 * slices without a usable result, and 16 to 32 bytes per usable one), one job record and manifest per batch, and constant buffers (read
 * chunks, 1 MB output chunks, at most 8 results files open with a 256 KB block each). No file
 * is ever held whole.
 *
 * The run's pieces: its settings (compile-run.ts), its files (output-set.ts), the repo folders
 * (compile-repos.ts, one by compile-repo.ts), the files made from their records and the
 * publication (dataset-files.ts).
 */
import type { Scenario } from '../domain/answer-schemas.ts';
import { compileRun, type CompileOptions, type CompileRun } from './compile-run.ts';
import { compileRepos, type ReposCompiled } from './compile-repos.ts';
import { createStatistics, type DatasetStatistics } from './dataset-statistics.ts';
import { writeDatasetFiles, type DatasetFiles } from './dataset-files.ts';
import { SplitRecords } from './dataset-split.ts';
import type { FailureCategory } from './failure-categories.ts';
import { fineTuningChecks } from './fine-tuning-setup.ts';
import { OutputSet, removeLeftovers } from './output-set.ts';
import type { DatasetFormat } from './record-format.ts';
import { readStages } from './stage-snapshot.ts';

export type { CompileOptions } from './compile-run.ts';

export interface CompiledFile {
  readonly path: string;
  readonly records: number;
}

export interface CompileSummary {
  readonly timestamp: string;
  readonly format: DatasetFormat;
  readonly outputDir: string;
  readonly processed: readonly (CompiledFile & { repo: string; scenario: Scenario })[];
  readonly train: CompiledFile;
  readonly val: CompiledFile;
  readonly failures: CompiledFile & { byCategory: Record<FailureCategory, number> };
  readonly statisticsPath: string;
  readonly summaryPath: string;
  /** The Hugging Face folder: its path, its files (relative), the splits also in Parquet. */
  readonly hfDataset: {
    readonly path: string;
    readonly files: readonly string[];
    readonly parquet: readonly string[];
  };
  readonly records: number;
  readonly statistics: DatasetStatistics;
  readonly durationMs: number;
  /** Inbox folders that could not be read (their slices are left out of this set), and why. */
  readonly notCompiled: readonly { readonly folder: string; readonly reason: string }[];
}

export async function compileDataset(options: CompileOptions): Promise<CompileSummary> {
  const run = compileRun(options);
  const { paths, config } = run;
  await removeLeftovers(run.outDir, run.startedAt);
  const fineTuning = run.format === 'chat' ? await fineTuningChecks(config) : undefined;
  const snapshot = await readStages(paths, config, run.startedAt, run.display);
  const files = new OutputSet(run.outDir);
  const stats = createStatistics();
  const split = new SplitRecords();
  try {
    const repos = await compileRepos({ run, snapshot, files, fineTuning, stats, split });
    const models = snapshot.finishedJobs.flatMap((j) => (j.model ? [j.model] : []));
    const written = await writeDatasetFiles({
      run,
      files,
      repos,
      split,
      stats,
      fineTuning,
      models: [...new Set(models)].sort(),
      providers: [...new Set(snapshot.finishedJobs.map((j) => j.provider ?? 'openai'))].sort(),
    });
    const summary = summaryOf(run, repos, written, split, options.now());
    run.log.info(
      {
        records: summary.records,
        train: summary.train.records,
        val: summary.val.records,
        failures: summary.failures.records,
        durationMs: summary.durationMs,
      },
      `compiled ${summary.records} records (${summary.train.records} train, ${summary.val.records} val); ${summary.failures.records} slices without a usable result`,
    );
    return summary;
  } catch (err) {
    await files.abort();
    throw err;
  }
}

/** What a published run made (pure). */
export function summaryOf(
  run: CompileRun,
  repos: ReposCompiled,
  written: DatasetFiles,
  split: SplitRecords,
  end: Date,
): CompileSummary {
  const { statistics, hf } = written;
  return {
    timestamp: run.ts,
    format: run.format,
    outputDir: run.outDir,
    processed: repos.processed.map((p) => ({
      path: p.file.path,
      records: p.records,
      repo: p.repo,
      scenario: p.scenario,
    })),
    train: { path: written.train.path, records: split.count('train') },
    val: { path: written.val.path, records: split.count('val') },
    failures: {
      path: repos.failures.path,
      records: statistics.failures.total,
      byCategory: statistics.failures.by_category,
    },
    statisticsPath: written.statisticsFile.path,
    summaryPath: written.summaryFile.path,
    hfDataset: { path: hf.path, files: hf.files, parquet: hf.parquet },
    records: statistics.total_records,
    statistics,
    durationMs: end.getTime() - run.startedAt.getTime(),
    notCompiled: repos.notCompiled,
  };
}
