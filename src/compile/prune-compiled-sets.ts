/**
 * The daemon compiles again after each burst of downloads; each compilation is a set of files
 * sharing its `<ts>` (YYYYMMDD_HHMMSS). Only the newest `keep` sets are kept, so that the
 * final output folder does not grow without bound. Files that are not ours are never touched.
 */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const SET_FILE =
  /^(?:scenario[12]_processed|train_dataset|val_dataset|failures|dataset_statistics|review_summary)_(\d{8}_\d{6})\.(?:jsonl|json|md)$/;

/** Removes the files of all but the newest `keep` compilations; returns the sets removed. */
export async function pruneCompiledSets(outDir: string, keep: number): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(outDir, { recursive: true })).map(String);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const bySet = new Map<string, string[]>();
  for (const rel of names) {
    const ts = SET_FILE.exec(rel.split(/[\\/]/).pop()!)?.[1];
    if (ts === undefined) continue;
    bySet.set(ts, [...(bySet.get(ts) ?? []), rel]);
  }
  const old = [...bySet.keys()].sort().reverse().slice(keep);
  for (const ts of old) {
    for (const rel of bySet.get(ts)!) await unlink(join(outDir, rel)).catch(() => undefined);
  }
  return old;
}
