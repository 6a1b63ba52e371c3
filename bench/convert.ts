/**
 * Step 1 benchmark: `slicebatch process` (the built CLI) on a generated corpus, side by side
 * with the bare loop (read lines, JSON.parse, JSON.stringify, write) in the same run.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listFiles } from '../src/storage/list-files.ts';
import { cliNodeFlags, runChild, type ChildRun } from './child.ts';
import type { Corpus } from './corpus.ts';
import type { ThreadCpu } from './thread-cpu.ts';

export interface ConvertBench {
  readonly corpusMb: number;
  readonly slices: number;
  readonly bare: { mbPerS: number; slicesPerS: number; maxRssMb: number; seconds: number };
  readonly convert: {
    mbPerS: number;
    slicesPerS: number;
    maxRssMb: number;
    seconds: number;
    cpuSeconds: number;
    /** CPU time by thread, the median of the runs for each role (Linux). */
    threads?: ThreadCpu | undefined;
  };
  readonly ratio: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function medianThreads(all: readonly ThreadCpu[]): ThreadCpu | undefined {
  if (all.length === 0) return undefined;
  const of = (k: keyof ThreadCpu): number => median(all.map((t) => t[k]));
  return {
    conversion: of('conversion'),
    helper: of('helper'),
    v8: of('v8'),
    libuv: of('libuv'),
    other: of('other'),
  };
}

/** `runs` rounds, each the bare loop then the conversion; the medians are reported. */
export async function benchConvert(
  corpus: Corpus,
  root: string,
  runs: number,
): Promise<ConvertBench> {
  const rounds: ConvertBench[] = [];
  for (let i = 0; i < runs; i++) rounds.push(await benchConvertOnce(corpus, root));
  const pick = <T>(f: (r: ConvertBench) => T): T[] => rounds.map(f);
  const bareS = median(pick((r) => r.bare.seconds));
  const convS = median(pick((r) => r.convert.seconds));
  const mb = corpus.bytes / 1e6;
  return {
    corpusMb: mb,
    slices: corpus.slices,
    bare: {
      seconds: bareS,
      mbPerS: mb / bareS,
      slicesPerS: corpus.slices / bareS,
      maxRssMb: Math.max(...pick((r) => r.bare.maxRssMb)),
    },
    convert: {
      seconds: convS,
      mbPerS: mb / convS,
      slicesPerS: corpus.slices / convS,
      maxRssMb: Math.max(...pick((r) => r.convert.maxRssMb)),
      cpuSeconds: median(pick((r) => r.convert.cpuSeconds)),
      threads: medianThreads(rounds.flatMap((r) => (r.convert.threads ? [r.convert.threads] : []))),
    },
    ratio: bareS / convS,
  };
}

/**
 * `slicebatch process` of the built CLI on the corpus into `work`, with the Node flags of the
 * executable's shebang (`#!/usr/bin/env -S node <flags>`): the CLI runs as users run it.
 */
export async function runProcess(root: string, corpus: Corpus, work: string): Promise<ChildRun> {
  const cli = join(root, 'dist', 'cli', 'main.js');
  const nodeFlags = await cliNodeFlags(cli);
  const run = await runChild(
    [
      ...nodeFlags,
      cli,
      'process',
      '--data-dir',
      work,
      '-r',
      join(corpus.dir, '2.reviewed_slices'),
      '--quiet',
    ],
    { cwd: work, env: { LOG_LEVEL: 'warn' }, threads: true },
  );
  // A run that converted less than the corpus is not a figure (a corpus of links leading out of
  // the inbox, say, is refused file by file and the run is quick).
  const accounted = await slicesAccountedFor(join(work, '3.batch_input'));
  if (accounted !== corpus.slices) {
    throw new Error(
      `slicebatch process accounted for ${accounted} of the corpus's ${corpus.slices} slices (requests in the manifests plus rejected lines) in ${work}`,
    );
  }
  return run;
}

/** Requests in the batch input manifests plus lines of the rejects reports under `dir`. */
async function slicesAccountedFor(dir: string): Promise<number> {
  let n = 0;
  // No folder at all when nothing was converted.
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    if (e.name.endsWith('.manifest.json')) {
      n += (JSON.parse(await readFile(path, 'utf8')) as { requests: number }).requests;
    } else if (e.name.endsWith('.rejects.jsonl')) {
      n += (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').length;
    }
  }
  return n;
}

/** The bare loop over the corpus, its output written in `work` and removed after. */
export async function runBareLoop(root: string, corpus: Corpus, work: string): Promise<ChildRun> {
  const inputs = (await listFiles(join(corpus.dir, '2.reviewed_slices'))).map((f) => f.path);
  const out = join(work, 'bare.jsonl');
  const run = await runChild([join(root, 'bench', 'bare-loop-main.ts'), out, ...inputs]);
  await rm(out);
  return run;
}

async function benchConvertOnce(corpus: Corpus, root: string): Promise<ConvertBench> {
  const work = await mkdtemp(join(corpus.dir, '..', 'run-'));
  try {
    const bare = await runBareLoop(root, corpus, work);
    const convert = await runProcess(root, corpus, work);
    const mb = corpus.bytes / 1e6;
    return {
      corpusMb: mb,
      slices: corpus.slices,
      bare: {
        mbPerS: mb / bare.seconds,
        slicesPerS: corpus.slices / bare.seconds,
        maxRssMb: bare.maxRssMb,
        seconds: bare.seconds,
      },
      convert: {
        mbPerS: mb / convert.seconds,
        slicesPerS: corpus.slices / convert.seconds,
        maxRssMb: convert.maxRssMb,
        seconds: convert.seconds,
        cpuSeconds: convert.cpuSeconds,
        threads: convert.threads,
      },
      ratio: bare.seconds / convert.seconds,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
