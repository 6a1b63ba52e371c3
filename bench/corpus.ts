/**
 * The benchmark corpus: generated reviewed-slice files (see test/support/slice-generator.ts),
 * written once into bench/.corpus/<size>mb/ and reused while the generator is unchanged.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { createSliceGenerator } from '../test/support/slice-generator.ts';

export interface Corpus {
  readonly dir: string;
  readonly bytes: number;
  readonly slices: number;
  readonly files: number;
}

const GENERATOR_VERSION = 2;

export async function ensureCorpus(root: string, sizeMb: number, repos = 4): Promise<Corpus> {
  const dir = join(root, `${sizeMb}mb`);
  const stamp = join(dir, 'corpus.json');
  try {
    const info = JSON.parse(await readFile(stamp, 'utf8')) as Corpus & { version: number };
    if (info.version === GENERATOR_VERSION) return { ...info, dir };
  } catch {
    // generate below
  }
  await rm(dir, { recursive: true, force: true });
  const target = sizeMb * 1024 * 1024;
  const perRepo = target / repos;
  let bytes = 0;
  let slices = 0;
  for (let r = 0; r < repos; r++) {
    const repository = `repo_bench_${r}`;
    await mkdir(join(dir, '2.reviewed_slices', repository), { recursive: true });
    const out = createWriteStream(join(dir, '2.reviewed_slices', repository, 'code_slices.jsonl'));
    const gen = createSliceGenerator({ seed: 1000 + r, repository });
    let written = 0;
    let buf = '';
    while (written < perRepo) {
      const line = `${JSON.stringify(gen.next())}\n`;
      buf += line;
      written += Buffer.byteLength(line);
      slices++;
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await once(out, 'drain');
        buf = '';
      }
    }
    out.end(buf);
    await once(out, 'close');
    bytes += (await stat(join(dir, '2.reviewed_slices', repository, 'code_slices.jsonl'))).size;
  }
  const info = { version: GENERATOR_VERSION, bytes, slices, files: repos };
  await writeFile(stamp, JSON.stringify(info));
  return { ...info, dir };
}
