/**
 * The daemon compiles again after each burst of downloads; each compilation is a set of files
 * sharing its `<ts>` (YYYYMMDD_HHMMSS). Only the newest `keep` sets are kept, so that the
 * final output folder does not grow without bound; so is its Hugging Face folder
 * (`hf_dataset_<ts>/`, removed whole). Files that are not ours are never touched.
 */
import { readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HF_DIR } from './hf-dataset.ts';

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
  const hfDirs = new Map<string, string>();
  for (const rel of names) {
    const hf = HF_DIR.exec(rel)?.[1];
    if (hf !== undefined) {
      hfDirs.set(hf, rel);
      if (!bySet.has(hf)) bySet.set(hf, []);
      continue;
    }
    if (/^hf_dataset_\d{8}_\d{6}[\\/]/.test(rel)) continue; // inside one: removed with it
    const ts = SET_FILE.exec(rel.split(/[\\/]/).pop()!)?.[1];
    if (ts === undefined) continue;
    bySet.set(ts, [...(bySet.get(ts) ?? []), rel]);
  }
  const old = [...bySet.keys()].sort().reverse().slice(keep);
  for (const ts of old) {
    for (const rel of bySet.get(ts)!) await unlink(join(outDir, rel)).catch(() => undefined);
    const hf = hfDirs.get(ts);
    if (hf !== undefined) await rm(join(outDir, hf), { recursive: true, force: true });
  }
  return old;
}
