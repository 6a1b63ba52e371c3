/**
 * The files of one compilation run, in the output folder: each created at a hidden temporary
 * name (AtomicStreamFile), fsynced and closed while the work goes on, published together once
 * all are on disk, or all removed when the run fails. Also the housekeeping before a run:
 * temporary files an interrupted run left behind are removed once they are old enough.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicStreamFile } from '../storage/atomic-stream-file.ts';
import { removeHfLeftovers } from './hf-dataset.ts';

/** Temporary files of an interrupted run older than this are removed. */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;
const OUR_TEMP_FILE =
  /^\.(?:scenario[12]_processed|train_dataset|val_dataset|failures|dataset_statistics|review_summary)_\d{8}_\d{6}\.(?:jsonl|json|md)\.[0-9a-f]+\.tmp$/;

/** Removes the temporary files and folders an interrupted compilation left in `dir`. */
export async function removeLeftovers(dir: string, now: Date): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    names = [];
  }
  for (const rel of names) {
    if (!OUR_TEMP_FILE.test(rel.split(/[\\/]/).pop()!)) continue;
    const path = join(dir, rel);
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && now.getTime() - info.mtimeMs >= LEFTOVER_AGE_MS) {
      await unlink(path).catch(() => undefined);
    }
  }
  await removeHfLeftovers(dir, now, LEFTOVER_AGE_MS);
}

export class OutputSet {
  private readonly created: AtomicStreamFile[] = [];
  /** Files being fsynced and closed while the work goes on. */
  private readonly sealing: Promise<void>[] = [];

  private readonly outDir: string;

  constructor(outDir: string) {
    this.outDir = outDir;
  }

  /** A new file at `name` (a path relative to the output folder), under a temporary name. */
  async create(...name: string[]): Promise<AtomicStreamFile> {
    const file = await AtomicStreamFile.create(join(this.outDir, ...name));
    this.created.push(file);
    return file;
  }

  /** Fsyncs and closes `file` in the background (awaited by `sealed`). */
  seal(file: AtomicStreamFile): void {
    const p = file.seal();
    p.catch(() => undefined); // awaited in sealed(); an early failure is not unhandled
    this.sealing.push(p);
  }

  /** Every file given to `seal` is on disk (rejects with the first failure). */
  async sealed(): Promise<void> {
    await Promise.all(this.sealing);
  }

  /** Removes every file created (a run that failed publishes nothing). */
  async abort(): Promise<void> {
    for (const f of this.created) await f.abort();
  }
}
