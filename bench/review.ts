/**
 * The review page at 1,000,000 slices (the compile benchmark's data set: reviewed slices,
 * batch input files, results, ledger): the search index built by the built CLI
 * (`slicebatch ui --build-index`, a child process: wall time and peak RSS), then the latency of
 * searches and slice pages served by `slicebatch ui` (a child process), each asked over HTTP
 * as a browser would, one at a time: median, 95th percentile and the slowest.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runChild } from './child.ts';
import type { CompileCorpus } from './compile.ts';
import { INDEX_FILE } from '../src/review/slice-index.ts';
import { loadSqlite } from '../src/review/sqlite.ts';

export interface LatencyRow {
  readonly what: string;
  readonly requests: number;
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export interface ReviewBench {
  readonly slices: number;
  readonly build: { seconds: number; cpuSeconds: number; maxRssMb: number; line: string };
  readonly latency: readonly LatencyRow[];
  readonly serverMaxRssMb: number;
}

function stats(what: string, ms: number[]): LatencyRow {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { what, requests: ms.length, medianMs: at(0.5), p95Ms: at(0.95), maxMs: sorted.at(-1)! };
}

export async function benchReview(root: string, corpus: CompileCorpus): Promise<ReviewBench> {
  const cli = join(root, 'dist', 'cli', 'main.js');
  const build = await runChild([cli, 'ui', '--data-dir', corpus.dir, '--build-index']);

  // The page, served by `slicebatch ui` with its index fresh.
  const usageFile = join(corpus.dir, '..', 'review-ui-usage.json');
  const server = spawn(
    process.execPath,
    [
      '--import',
      new URL('./report-usage.js', import.meta.url).href,
      cli,
      'ui',
      '--data-dir',
      corpus.dir,
      '--listen',
      '127.0.0.1:0',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        BENCH_USAGE_FILE: usageFile,
        LOG_LEVEL: 'warn',
      },
    },
  );
  const lines = createInterface({ input: server.stdout });
  const [first] = (await once(lines, 'line')) as [string];
  const base = /at (http:\/\/\S+?)\/ /.exec(first)![1]!;
  const time = async (path: string): Promise<number> => {
    const started = performance.now();
    const res = await fetch(`${base}${path}`);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}: ${body.slice(0, 200)}`);
    return performance.now() - started;
  };
  try {
    await time('/slices'); // the index opened
    // Slices spread over the whole data set, read from the index itself.
    const { DatabaseSync } = await loadSqlite();
    const db = new DatabaseSync(join(corpus.dir, '.slicebatch', INDEX_FILE), { readOnly: true });
    const ids = Array.from(
      { length: 40 },
      (_, i) => 1 + Math.floor((((i * 7919) % 1000) / 1000) * corpus.results),
    ).map(
      (rowid) =>
        db
          .prepare('SELECT repo, slice_id AS id, name, file_path AS path FROM slices WHERE id = ?')
          .get(rowid) as {
          repo: string;
          id: string;
          name: string;
          path: string;
        },
    );
    db.close();
    const rows: LatencyRow[] = [];
    const run = async (what: string, paths: string[]) => {
      const ms: number[] = [];
      for (const p of paths) ms.push(await time(p));
      rows.push(stats(what, ms));
    };
    await run(
      'search by slice id',
      ids.map((s) => `/slices?q=${encodeURIComponent(s.id)}`),
    );
    await run(
      'search by name (part of it)',
      ids.map((s) => `/slices?q=${encodeURIComponent(s.name.slice(0, 10))}`),
    );
    await run(
      'search by file path',
      ids.map((s) => `/slices?q=${encodeURIComponent(s.path)}`),
    );
    await run(
      'filter: repo and scenario, page 100',
      ids.map((s) => `/slices?repo=${s.repo}&scenario=scenario2&page=100`),
    );
    await run(
      'filter: standing record, page 2,000',
      ids.map(() => '/slices?category=record&page=2000'),
    );
    await run(
      'slice page',
      ids.map((s) => `/slices/${s.repo}/${encodeURIComponent(s.id)}`),
    );
    server.kill('SIGTERM');
    await once(server, 'exit');
    const usage = JSON.parse(await readFile(usageFile, 'utf8')) as { maxRssKb: number };
    return {
      slices: corpus.results,
      build: {
        seconds: build.seconds,
        cpuSeconds: build.cpuSeconds,
        maxRssMb: build.maxRssMb,
        line: build.stdout.trim(),
      },
      latency: rows,
      serverMaxRssMb: usage.maxRssKb / 1024,
    };
  } finally {
    if (server.exitCode === null) server.kill('SIGTERM');
  }
}
