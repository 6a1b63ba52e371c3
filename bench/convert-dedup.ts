/**
 * Step 1 with duplicates caught (`dedup.enabled`) and without, on the same corpus, alternately
 * in the same run with the bare loop (the machine's load changes between runs; the ratio of
 * neighbouring runs is what to compare): `slicebatch process` of the built CLI, wall and CPU
 * time, peak RSS, its speed against the bare loop's (the real-code speed target holds with
 * dedup on too), the duplicates found and the size of the store they leave.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildRun } from './child.ts';
import { runBareLoop, runProcess } from './convert.ts';
import type { Corpus } from './corpus.ts';

export interface DedupBench {
  readonly off: ChildRun;
  readonly on: ChildRun;
  /** Wall time with dedup over wall time without (medians). */
  readonly ratio: number;
  /** The bare loop's wall time (median), run before each pair. */
  readonly bareSeconds: number;
  /** The bare loop's wall time over the conversion's (medians), without and with dedup. */
  readonly bareRatio: { readonly off: number; readonly on: number };
  readonly cpuRatio: number;
  readonly duplicates: number;
  readonly storeMb: number;
  /** The load average (1 minute) before each run. */
  readonly load: readonly number[];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function loadAverage(): Promise<number> {
  return Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
}

async function countDuplicates(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.rejects.jsonl')) continue;
    const text = await readFile(join(e.parentPath, e.name), 'utf8');
    n += text.split('"code":"duplicate"').length - 1;
  }
  return n;
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

export async function benchConvertDedup(
  corpus: Corpus,
  root: string,
  runs: number,
): Promise<DedupBench> {
  const offs: ChildRun[] = [];
  const ons: ChildRun[] = [];
  const bares: number[] = [];
  const load: number[] = [];
  let duplicates = 0;
  let storeBytes = 0;
  for (let i = 0; i < runs; i++) {
    for (const enabled of [false, true]) {
      const work = await mkdtemp(join(corpus.dir, '..', 'dedup-'));
      try {
        // Before each pair, in the pair's first (empty) work folder.
        if (!enabled) bares.push((await runBareLoop(root, corpus, work)).seconds);
        await writeFile(join(work, 'config.json'), JSON.stringify({ dedup: { enabled } }));
        load.push(await loadAverage());
        const run = await runProcess(root, corpus, work);
        (enabled ? ons : offs).push(run);
        if (enabled) {
          duplicates = await countDuplicates(work);
          const state = join(work, '.slicebatch');
          storeBytes = 0;
          for (const name of await readdir(state)) {
            if (name.startsWith('duplicates.')) storeBytes += await sizeOf(join(state, name));
          }
        }
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }
  }
  const pick = (rs: ChildRun[], f: (r: ChildRun) => number): number => median(rs.map(f));
  const mid = (rs: ChildRun[]): ChildRun =>
    rs.find((r) => r.seconds === pick(rs, (x) => x.seconds)) ?? rs[0]!;
  return {
    off: { ...mid(offs), maxRssMb: Math.max(...offs.map((r) => r.maxRssMb)) },
    on: { ...mid(ons), maxRssMb: Math.max(...ons.map((r) => r.maxRssMb)) },
    ratio: pick(ons, (r) => r.seconds) / pick(offs, (r) => r.seconds),
    bareSeconds: median(bares),
    bareRatio: {
      off: median(bares) / pick(offs, (r) => r.seconds),
      on: median(bares) / pick(ons, (r) => r.seconds),
    },
    cpuRatio: pick(ons, (r) => r.cpuSeconds) / pick(offs, (r) => r.cpuSeconds),
    duplicates,
    storeMb: storeBytes / 1e6,
    load,
  };
}
