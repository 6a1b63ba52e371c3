/**
 * The Hugging Face folder of a compilation, `hf_dataset_<ts>/` in the final output folder,
 * added beside the original compiler's files (which stay as they are):
 *
 *   README.md                                  the dataset card (dataset-card.ts)
 *   data/train-00000-of-00001.jsonl            the train split (a hard link to
 *                                              train_dataset_<ts>.jsonl: no second copy)
 *   data/validation-00000-of-00001.jsonl       the validation split (val_dataset_<ts>.jsonl)
 *   data/<split>-00000-of-00001.parquet        with compile.parquet, the split as Parquet
 *
 * so that `datasets.load_dataset("<folder>")` loads the splits. An empty split has no file.
 * The folder is built under a hidden temporary name and renamed into place by `publish`, with
 * the rest of the run's files; `abort` removes it. A Parquet file that cannot be written is
 * said in the log and left out (the card then names the JSONL files only): the rest of the
 * dataset is not lost for it.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetFormat } from '../domain/dataset-formats.ts';
import type { Logger } from '../log/logger.ts';
import { fsyncDir } from '../storage/atomic-file.ts';
import {
  datasetCard,
  HF_SPLITS,
  type CardInput,
  type CardSplit,
  type HfSplit,
} from './dataset-card.ts';
import { writeParquetFromJsonl } from './parquet-file.ts';

export const HF_DIR = /^hf_dataset_(\d{8}_\d{6})$/;
const HF_TEMP_DIR = /^\.hf_dataset_\d{8}_\d{6}\.[0-9a-f]+\.tmp$/;

export interface HfSplitSource {
  /** The split's JSONL file, written and sealed (its temporary path before publishing). */
  readonly path: string;
  readonly records: number;
}

export interface HfDataset {
  /** Where it will be once published. */
  readonly path: string;
  /** Its files, relative to it. */
  readonly files: readonly string[];
  /** The splits that have a Parquet file. */
  readonly parquet: readonly HfSplit[];
  publish(): Promise<void>;
  abort(): Promise<void>;
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Links `from` at `to`, or copies it where the file system has no hard links. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EXDEV' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') {
      throw err;
    }
    await copyFile(from, to);
  }
}

export async function writeHfDataset(options: {
  readonly outDir: string;
  readonly ts: string;
  readonly format: DatasetFormat;
  readonly splits: Readonly<Record<HfSplit, HfSplitSource>>;
  /** compile.parquet: the splits to write as Parquet too. */
  readonly parquet: boolean | readonly HfSplit[];
  readonly card: Omit<CardInput, 'splits' | 'format'>;
  readonly log: Logger;
  readonly signal?: AbortSignal | undefined;
  /** The Parquet writer (DuckDB's; injected by tests). */
  readonly writeParquet?: typeof writeParquetFromJsonl;
}): Promise<HfDataset> {
  const { outDir, ts, format, log } = options;
  const name = `hf_dataset_${ts}`;
  const temp = join(outDir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  const wanted = new Set<HfSplit>(
    options.parquet === true ? HF_SPLITS : options.parquet === false ? [] : options.parquet,
  );
  try {
    await mkdir(join(temp, 'data'), { recursive: true });
    const files: string[] = [];
    const splits: CardSplit[] = [];
    for (const split of HF_SPLITS) {
      const source = options.splits[split];
      if (source.records === 0) continue;
      options.signal?.throwIfAborted();
      const jsonl = `data/${split}-00000-of-00001.jsonl`;
      await linkOrCopy(source.path, join(temp, jsonl));
      files.push(jsonl);
      let parquet: string | undefined;
      if (wanted.has(split)) {
        const rel = `data/${split}-00000-of-00001.parquet`;
        try {
          await (options.writeParquet ?? writeParquetFromJsonl)(
            source.path,
            join(temp, rel),
            format,
          );
          await fsyncFile(join(temp, rel));
          parquet = rel;
          files.push(rel);
        } catch (err) {
          await rm(join(temp, rel), { force: true });
          log.warn(
            { split, error: (err as Error).message },
            `hf_dataset: the ${split} split could not be written as Parquet (its JSONL file is kept): ${(err as Error).message}`,
          );
        }
      }
      const { size } = await stat(source.path);
      splits.push({ name: split, examples: source.records, bytes: size, jsonl, parquet });
    }
    const cardPath = join(temp, 'README.md');
    const handle = await open(cardPath, 'wx');
    try {
      await handle.writeFile(datasetCard({ ...options.card, format, splits }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    files.unshift('README.md');
    await fsyncDir(join(temp, 'data'));
    await fsyncDir(temp);
    const path = join(outDir, name);
    return {
      path,
      files,
      parquet: splits.flatMap((s) => (s.parquet === undefined ? [] : [s.name])),
      async publish() {
        await rm(path, { recursive: true, force: true });
        await rename(temp, path);
        await fsyncDir(outDir);
      },
      async abort() {
        await rm(temp, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

/** Removes the temporary folders an interrupted compilation left, older than `ageMs`. */
export async function removeHfLeftovers(outDir: string, now: Date, ageMs: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(outDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const entry of names) {
    if (!HF_TEMP_DIR.test(entry)) continue;
    const path = join(outDir, entry);
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && now.getTime() - info.mtimeMs >= ageMs) {
      await rm(path, { recursive: true, force: true });
    }
  }
}
