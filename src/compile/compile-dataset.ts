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
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { DataPaths } from '../domain/data-paths.ts';
import type { Config } from '../config/schema.ts';
import { fileTimestamp } from '../domain/file-names.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import type { Logger } from '../log/logger.ts';
import { AtomicStreamFile } from '../storage/atomic-stream-file.ts';
import { compileRepo, type ProcessedOutput, type RepoInput } from './compile-repo.ts';
import { SplitRecords, type SplitSide } from './dataset-split.ts';
import { createStatistics, type DatasetStatistics } from './dataset-statistics.ts';
import { failureLine, type FailureCategory } from './failure-categories.ts';
import { PositionalReader } from './positional-reader.ts';
import { SPLIT_SUFFIX, type DatasetFormat } from './record-format.ts';
import { ResultIndex } from './result-index.ts';
import { reviewSummary } from './review-summary.ts';
import { copySplit } from './split-files.ts';
import { readStages, unreadableFolderOf } from './stage-snapshot.ts';
import { describeListingProblem } from '../storage/list-files.ts';
import { fineTuningChecks } from './fine-tuning-setup.ts';
import { promptHashes } from './dataset-card.ts';
import { removeHfLeftovers, writeHfDataset, type HfDataset } from './hf-dataset.ts';

/** Temporary files of an interrupted run older than this are removed. */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;
const OUR_TEMP_FILE =
  /^\.(?:scenario[12]_processed|train_dataset|val_dataset|failures|dataset_statistics|review_summary)_\d{8}_\d{6}\.(?:jsonl|json|md)\.[0-9a-f]+\.tmp$/;

export interface CompileOptions {
  /** reviewed, batchInput, batchOutput, finalOutput, state and the data folder. */
  readonly paths: DataPaths;
  readonly config: Config;
  /** Default: config.compile.format / train_ratio / seed. */
  readonly format?: DatasetFormat | undefined;
  readonly trainRatio?: number | undefined;
  readonly seed?: number | undefined;
  readonly now: () => Date;
  readonly log: Logger;
  /**
   * Stops the compilation between two read chunks (a daemon that is asked to stop): it then
   * rejects with the signal's reason and publishes nothing.
   */
  readonly signal?: AbortSignal | undefined;
}

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

function displayPath(dataDir: string, path: string): string {
  const rel = relative(dataDir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split('\\').join('/');
}

/** Removes temporary files that an interrupted compilation left in the output folder. */
async function removeLeftovers(dir: string, now: Date): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const rel of names) {
    if (!OUR_TEMP_FILE.test(rel.split(/[\\/]/).pop()!)) continue;
    const path = join(dir, rel);
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && now.getTime() - info.mtimeMs >= LEFTOVER_AGE_MS) {
      await unlink(path).catch(() => undefined);
    }
  }
}

export async function compileDataset(options: CompileOptions): Promise<CompileSummary> {
  const { paths, config, log } = options;
  const now = options.now();
  const ts = fileTimestamp(now);
  const format = options.format ?? config.compile.format;
  const trainRatio = options.trainRatio ?? config.compile.train_ratio;
  const seed = options.seed ?? config.compile.seed;
  const outDir = paths.finalOutput;
  const display = (p: string): string => displayPath(paths.dataDir, p);
  await removeLeftovers(outDir, now);
  await removeHfLeftovers(outDir, now, LEFTOVER_AGE_MS);
  const fineTuning = format === 'chat' ? await fineTuningChecks(config) : undefined;

  const { fates, excluded, reviewed, finishedJobs, openInputs, repos, inboxProblems } =
    await readStages(paths, config, now, display);

  const stats = createStatistics();
  const split = new SplitRecords();
  const reader = new PositionalReader();
  const index = new ResultIndex();
  const processed: (ProcessedOutput & { repo: string; scenario: Scenario })[] = [];
  const created: AtomicStreamFile[] = [];
  // Files being fsynced and closed while the work goes on (awaited before publishing).
  const sealing: Promise<void>[] = [];
  const track = (p: Promise<void>): void => {
    p.catch(() => undefined); // awaited below; an early failure is not unhandled
    sealing.push(p);
  };
  const create = async (path: string): Promise<AtomicStreamFile> => {
    const file = await AtomicStreamFile.create(path);
    created.push(file);
    return file;
  };
  const at = (name: string): string => join(outDir, name);
  let hf: HfDataset | undefined;
  try {
    const failures = await create(at(`failures_${ts}.jsonl`));
    for (const p of inboxProblems)
      log.warn({ folder: p.rel }, `inbox: ${describeListingProblem(p)}`);
    const notCompiled = inboxProblems.flatMap((p) =>
      p.kind === 'unreadable' ? [{ folder: p.rel, reason: p.error.code ?? p.error.message }] : [],
    );
    for (const repo of repos) {
      options.signal?.throwIfAborted();
      const unreadable = unreadableFolderOf(repo, inboxProblems);
      if (unreadable !== undefined) {
        // Its slices cannot be read: left out of this set (not reported missing), said instead.
        log.warn(
          { repo, folder: unreadable.rel },
          `not compiled: ${repo}: its inbox folder ${unreadable.rel} cannot be read`,
        );
        continue;
      }
      stats.repo(repo);
      const mine = new Map<Scenario, Promise<ProcessedOutput>>();
      const input: RepoInput = {
        repo,
        dataDir: paths.dataDir,
        batchInputDir: paths.batchInput,
        reviewed: reviewed.get(repo) ?? [],
        jobs: finishedJobs.filter((j) => j.repo === repo),
        openInputs: openInputs.filter((s) => s.file.repo === repo),
        fates,
        excluded,
        format,
        trainRatio,
        seed,
        requirements: config.scenarios.scenario2.requirements,
        display,
        fineTuning,
      };
      const failuresBefore = stats.failures;
      const recordsBefore = stats.records;
      await compileRepo(input, {
        processed: (scenario) => {
          let p = mine.get(scenario);
          if (p === undefined) {
            const path = join(
              outDir,
              ...repo.split('/').filter(Boolean),
              `${scenario}_processed_${ts}.jsonl`,
            );
            p = create(path).then((file) => {
              const entry = { file, number: processed.length, records: 0, repo, scenario };
              processed.push(entry);
              return entry;
            });
            mine.set(scenario, p);
          }
          return p;
        },
        flush: async () => {
          options.signal?.throwIfAborted();
          await failures.flush();
          for (const p of mine.values()) await (await p).file.flush();
        },
        fail: (entry) => {
          failures.appendText(failureLine(entry));
          stats.failure(entry.category);
        },
        split,
        stats,
        reader,
        index,
      });
      reader.close();
      // Written (readable for the split files); fsynced meanwhile.
      for (const p of mine.values()) {
        const { file } = await p;
        await file.written();
        track(file.seal());
      }
      log.info(
        {
          repo,
          records: stats.records - recordsBefore,
          failures: stats.failures - failuresBefore,
        },
        `compiled ${repo || '(top level)'}: ${stats.records - recordsBefore} records, ${stats.failures - failuresBefore} slices without one`,
      );
    }
    track(failures.seal());

    index.release();

    // The split files: each record read back from its processed file, in seeded order.
    const splitFile = async (side: SplitSide): Promise<AtomicStreamFile> => {
      const file = await create(at(`${side}_dataset_${ts}.jsonl`));
      await copySplit({
        split,
        side,
        sources: processed.map((p) => p.file.tempPath),
        suffix: SPLIT_SUFFIX[format],
        out: file,
        signal: options.signal,
      });
      track(file.seal());
      return file;
    };
    const train = await splitFile('train');
    const val = await splitFile('val');

    const statistics = stats.result({
      generatedAt: now,
      format,
      trainRatio,
      seed,
      train: split.count('train'),
      val: split.count('val'),
      fineTuning: fineTuning?.result(),
    });
    const statisticsFile = await create(at(`dataset_statistics_${ts}.json`));
    statisticsFile.appendText(`${JSON.stringify(statistics, null, 2)}\n`);
    await statisticsFile.seal();

    // The Hugging Face folder, from the split files once they are on disk.
    await Promise.all(sealing);
    hf = await writeHfDataset({
      outDir,
      ts,
      format,
      splits: {
        train: { path: train.tempPath, records: split.count('train') },
        validation: { path: val.tempPath, records: split.count('val') },
      },
      parquet: config.compile.parquet,
      card: {
        license: config.compile.license,
        statistics,
        models: [...new Set(finishedJobs.flatMap((j) => (j.model ? [j.model] : [])))].sort(),
        promptHashes: promptHashes(config),
        sourceFiles: [train, val, failures, statisticsFile].map((f) => relative(outDir, f.path)),
      },
      log,
      signal: options.signal,
    });
    const summaryFile = await create(at(`review_summary_${ts}.md`));
    summaryFile.appendText(
      reviewSummary(statistics, {
        train: display(train.path),
        val: display(val.path),
        failures: display(failures.path),
        statistics: display(statisticsFile.path),
        hfDataset: display(hf.path),
      }),
    );
    await summaryFile.seal();

    // Published together, once all are on disk; the summary last.
    await Promise.all(sealing);
    for (const p of processed) await p.file.publish();
    for (const f of [train, val, failures, statisticsFile]) await f.publish();
    await hf.publish();
    await summaryFile.publish();

    const summary: CompileSummary = {
      timestamp: ts,
      format,
      outputDir: outDir,
      processed: processed.map((p) => ({
        path: p.file.path,
        records: p.records,
        repo: p.repo,
        scenario: p.scenario,
      })),
      train: { path: train.path, records: split.count('train') },
      val: { path: val.path, records: split.count('val') },
      failures: {
        path: failures.path,
        records: statistics.failures.total,
        byCategory: statistics.failures.by_category,
      },
      statisticsPath: statisticsFile.path,
      summaryPath: summaryFile.path,
      hfDataset: { path: hf.path, files: hf.files, parquet: hf.parquet },
      records: statistics.total_records,
      statistics,
      durationMs: options.now().getTime() - now.getTime(),
      notCompiled,
    };
    log.info(
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
    reader.close();
    for (const f of created) await f.abort();
    await hf?.abort();
    throw err;
  }
}
