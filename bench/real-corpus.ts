/**
 * The benchmark corpus of real code: functions and classes cut from this machine's Python
 * standard library (and whatever is installed beside it) by bench/slice-python.py, in the
 * original slicer's layout. Written once into bench/.corpus/real-<size>mb/ and reused.
 *
 * For the memory check at a larger size, the same file is linked under several repo folders
 * (`repos`): the input grows, the work per byte stays that of real code.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Corpus } from './corpus.ts';

const SLICER_VERSION = 1;

function stdlibDir(): string {
  return execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"])
    .toString()
    .trim();
}

/** `sizeMb` MB of real slices, in `repos` repo folders holding the same file. */
export async function ensureRealCorpus(root: string, sizeMb: number, repos = 1): Promise<Corpus> {
  const base = join(root, `real-${sizeMb}mb`);
  const source = join(base, 'source', 'code_slices.jsonl');
  const stamp = join(base, 'source', 'corpus.json');
  let info: { version: number; bytes: number; slices: number; from: string } | undefined;
  try {
    info = JSON.parse(await readFile(stamp, 'utf8')) as typeof info;
    if (info?.version !== SLICER_VERSION) info = undefined;
  } catch {
    info = undefined;
  }
  if (info === undefined) {
    await rm(base, { recursive: true, force: true });
    await mkdir(join(base, 'source'), { recursive: true });
    const from = stdlibDir();
    console.log(`Slicing functions and classes from ${from} (once; a few minutes)...`);
    const out = execFileSync('python3', [
      join(import.meta.dirname, 'slice-python.py'),
      from,
      source,
      'repo_stdlib',
      String(sizeMb * 1_000_000),
    ]).toString();
    const [bytes, slices] = out.trim().split(/\s+/).map(Number);
    if (bytes === undefined || slices === undefined || bytes < sizeMb * 900_000) {
      throw new Error(`the slicer produced ${out.trim()} (bytes slices): too little source`);
    }
    info = { version: SLICER_VERSION, bytes, slices, from };
    await writeFile(stamp, JSON.stringify(info));
  }
  const dir = join(base, `x${repos}`);
  for (let r = 0; r < repos; r++) {
    const target = join(dir, '2.reviewed_slices', `repo_stdlib_${r}`, 'code_slices.jsonl');
    const present = await stat(target).then(
      (s) => s.size === info.bytes,
      () => false,
    );
    if (present) continue;
    await mkdir(join(target, '..'), { recursive: true });
    await link(source, target).catch(() => copyFile(source, target));
  }
  return { dir, bytes: info.bytes * repos, slices: info.slices * repos, files: repos };
}
