/**
 * The files made from a run's records once every repo folder is compiled: the two split files
 * (each record read back from its processed file, in seeded order), the statistics, the Hugging
 * Face folder (from the split files once they are on disk), the review summary; then the
 * publication of the whole set, together, the summary last.
 */
import { relative } from 'node:path';
import type { AtomicStreamFile } from '../storage/atomic-stream-file.ts';
import type { CompileRun } from './compile-run.ts';
import type { ReposCompiled } from './compile-repos.ts';
import { promptHashes } from './dataset-card.ts';
import type { SplitRecords, SplitSide } from './dataset-split.ts';
import type { DatasetStatistics, StatisticsCounter } from './dataset-statistics.ts';
import type { FineTuningChecks } from './fine-tuning-checks.ts';
import { writeHfDataset, type HfDataset } from './hf-dataset.ts';
import type { OutputSet } from './output-set.ts';
import { SPLIT_SUFFIX } from './record-format.ts';
import { reviewSummary } from './review-summary.ts';
import { copySplit } from './split-files.ts';

export interface DatasetFiles {
  readonly train: AtomicStreamFile;
  readonly val: AtomicStreamFile;
  readonly statistics: DatasetStatistics;
  readonly statisticsFile: AtomicStreamFile;
  readonly hf: HfDataset;
  readonly summaryFile: AtomicStreamFile;
}

export interface DatasetInput {
  readonly run: CompileRun;
  readonly files: OutputSet;
  readonly repos: ReposCompiled;
  readonly split: SplitRecords;
  readonly stats: StatisticsCounter;
  readonly fineTuning: FineTuningChecks | undefined;
  /** The models of the finished batches, sorted (for the dataset card). */
  readonly models: readonly string[];
  /** Whose batch APIs answered them, sorted (for the dataset card). */
  readonly providers: readonly string[];
}

/** Writes and publishes the set's files; on failure nothing of the Hugging Face folder stays. */
export async function writeDatasetFiles(input: DatasetInput): Promise<DatasetFiles> {
  const { run, files, split } = input;
  const train = await splitFile(input, 'train');
  const val = await splitFile(input, 'val');
  const statistics = statisticsOf(input);
  const statisticsFile = await files.create(`dataset_statistics_${run.ts}.json`);
  statisticsFile.appendText(`${JSON.stringify(statistics, null, 2)}\n`);
  await statisticsFile.seal();

  await files.sealed();
  const sources = [train, val, input.repos.failures, statisticsFile];
  const hf = await writeHfDataset({
    outDir: run.outDir,
    ts: run.ts,
    format: run.format,
    splits: {
      train: { path: train.tempPath, records: split.count('train') },
      validation: { path: val.tempPath, records: split.count('val') },
    },
    parquet: run.config.compile.parquet,
    card: {
      license: run.config.compile.license,
      statistics,
      models: input.models,
      providers: input.providers,
      promptHashes: promptHashes(run.config),
      sourceFiles: sources.map((f) => relative(run.outDir, f.path)),
    },
    log: run.log,
    signal: run.signal,
  });
  try {
    const summaryFile = await files.create(`review_summary_${run.ts}.md`);
    summaryFile.appendText(
      reviewSummary(statistics, {
        train: run.display(train.path),
        val: run.display(val.path),
        failures: run.display(input.repos.failures.path),
        statistics: run.display(statisticsFile.path),
        hfDataset: run.display(hf.path),
      }),
    );
    await summaryFile.seal();
    // Published together, once all are on disk; the summary last.
    await files.sealed();
    for (const p of input.repos.processed) await p.file.publish();
    for (const f of sources) await f.publish();
    await hf.publish();
    await summaryFile.publish();
    return { train, val, statistics, statisticsFile, hf, summaryFile };
  } catch (err) {
    await hf.abort();
    throw err;
  }
}

/** The statistics of the set, with its split counts and fine-tuning checks (pure). */
function statisticsOf(input: DatasetInput): DatasetStatistics {
  const { run, split } = input;
  return input.stats.result({
    generatedAt: run.startedAt,
    format: run.format,
    trainRatio: run.trainRatio,
    seed: run.seed,
    train: split.count('train'),
    val: split.count('val'),
    fineTuning: input.fineTuning?.result(),
  });
}

/** The split file of `side`, written and sealing in the background. */
async function splitFile(input: DatasetInput, side: SplitSide): Promise<AtomicStreamFile> {
  const { run, files } = input;
  const file = await files.create(`${side}_dataset_${run.ts}.jsonl`);
  await copySplit({
    split: input.split,
    side,
    sources: input.repos.processed.map((p) => p.file.tempPath),
    suffix: SPLIT_SUFFIX[run.format],
    out: file,
    signal: run.signal,
  });
  files.seal(file);
  return file;
}
