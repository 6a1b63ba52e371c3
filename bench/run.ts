/**
 * `npm run bench`: the benchmarks, on this machine, printed as a table. Speed and memory are
 * measured here, never asserted in tests.
 *
 *   npm run bench -- [--size-mb 512] [--real-mb 271] [--real-repos 4] [--runs 3]
 *                    [--only convert|dedup|split|count|emulator|submit|poll|grounding|ended-batch|
 *                            line-readers|compile|daemon|review]
 *
 * Step 1 runs on two corpora side by side: generated slices (test/support/slice-generator.ts)
 * and real code (bench/slice-python.py over this machine's Python standard library), the real
 * one also linked under --real-repos repo folders for the memory check at about 1 GB. Both are
 * kept in bench/.corpus/ (git-ignored) and reused.
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ensureCorpus } from './corpus.ts';
import { benchConvert, type ConvertBench } from './convert.ts';
import { benchConvertDedup } from './convert-dedup.ts';
import { ensureRealCorpus } from './real-corpus.ts';
import { benchCountReal } from './count-real.ts';
import { printCountWasm } from './count-wasm.ts';
import { benchCountLinearity } from './count-linearity.ts';
import { benchSplit } from './split-compare.ts';
import { benchEmulator } from './emulator.ts';
import { benchSubmit } from './submit.ts';
import { benchPoll } from './poll.ts';
import { benchGrounding } from './grounding.ts';
import { benchCompile, ensureCompileCorpus } from './compile.ts';
import { benchDaemon } from './daemon.ts';
import { benchReview } from './review.ts';
import { benchEndedBatch, benchLineReaders } from './script-benches.ts';

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '512' },
    'real-mb': { type: 'string', default: '271' },
    'real-repos': { type: 'string', default: '4' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
  },
});
const root = join(import.meta.dirname, '..');
const sizeMb = Number(values['size-mb']);
const only = values.only;
const runs = Number(values.runs);
const f1 = (n: number): string => n.toFixed(1);
const f0 = (n: number): string => Math.round(n).toLocaleString('en-US');

if (only === undefined || only === 'convert') {
  console.log(`Generating or reusing a corpus of ${sizeMb} MB of generated slices...`);
  const generated = await ensureCorpus(join(root, 'bench', '.corpus'), sizeMb);
  const realMb = Number(values['real-mb']);
  const realRepos = Number(values['real-repos']);
  const real = await ensureRealCorpus(join(root, 'bench', '.corpus'), realMb, 1);
  const realBig = await ensureRealCorpus(join(root, 'bench', '.corpus'), realMb, realRepos);
  const rows: [string, ConvertBench, number][] = [];
  for (const [name, corpus, n] of [
    ['generated slices', generated, runs],
    ['real code (Python stdlib)', real, runs],
    [`real code, the same file in ${realRepos} repo folders`, realBig, 1],
  ] as const) {
    console.log(
      `${name}: ${f1(corpus.bytes / 1e6)} MB, ${f0(corpus.slices)} slices in ${corpus.files} files...`,
    );
    rows.push([name, await benchConvert(corpus, root, n), n]);
  }
  console.log(
    '\nStep 1, reviewed slices → batch input files (slicebatch process, built CLI, exact token counts), bare loop and conversion alternately in the same run, medians, peak RSS (VmHWM) the highest:',
  );
  console.log(
    '| corpus | input | runs | bare loop | slicebatch process | ratio to the bare loop | process CPU time | process peak RSS |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, r, n] of rows) {
    console.log(
      `| ${name} | ${f1(r.corpusMb)} MB | ${n} | ${f1(r.bare.mbPerS)} MB/s | ${f1(r.convert.mbPerS)} MB/s (${f1(r.convert.seconds)} s) | ${r.ratio.toFixed(2)} | ${f1(r.convert.cpuSeconds)} s | ${f0(r.convert.maxRssMb)} MB |`,
    );
  }
  console.log(
    '\nCPU time of slicebatch process by thread (/proc/<pid>/task/*/stat, medians): conversion (main) thread, helper thread (counting, hashing the output), V8 background threads, libuv pool:',
  );
  for (const [name, r] of rows) {
    const t = r.convert.threads;
    if (t === undefined) continue;
    console.log(
      `| ${name} | conversion ${t.conversion.toFixed(2)} s | helper ${t.helper.toFixed(2)} s | V8 ${t.v8.toFixed(2)} s | libuv ${t.libuv.toFixed(2)} s |`,
    );
  }
  console.log(
    '\ntargets: ratio >= 0.6 on real code (goal 0.8); under 7.5 s for 271 MB of real code (the original Python processor on the same input, measured in the issue); peak RSS <= 256 MB at 250 MB and at 1 GB',
  );
  const lin = await benchCountLinearity([25, 50, 100, 200, 400]);
  console.log(
    '\nCounting one text (this process): a single run of letters, and ordinary code lines',
  );
  console.log('| text | one run of letters | code lines |');
  console.log('|---:|---:|---:|');
  for (const l of lin) {
    console.log(`| ${l.kb} KB | ${f0(l.runMs)} ms | ${f0(l.codeMs)} ms |`);
  }
}

if (only === undefined || only === 'convert' || only === 'dedup') {
  // Both real-code sizes of the speed target: the file once (one slice in nine a duplicate),
  // and in several repo folders (three quarters of it duplicates, most of the first folder's), once.
  const realRepos = Number(values['real-repos']);
  for (const [repos, n] of [
    [1, runs],
    [realRepos, 1],
  ] as const) {
    const real = await ensureRealCorpus(
      join(root, 'bench', '.corpus'),
      Number(values['real-mb']),
      repos,
    );
    const d = await benchConvertDedup(real, root, n);
    const where = repos === 1 ? '' : `, the same file in ${repos} repo folders`;
    console.log(
      `\nStep 1 on real code (${f1(real.bytes / 1e6)} MB, ${f0(real.slices)} slices${where}) with dedup.enabled off and on, and the bare loop before each pair, alternately in the same run, medians of ${n}; load average (1 min) before each conversion: ${d.load.map((l) => l.toFixed(1)).join(', ')}; bare loop ${f1(real.bytes / 1e6 / d.bareSeconds)} MB/s:`,
    );
    console.log('| dedup | wall time | ratio to the bare loop | CPU time | peak RSS |');
    console.log('|---|---:|---:|---:|---:|');
    for (const [name, r, bare] of [
      ['off', d.off, d.bareRatio.off],
      ['on', d.on, d.bareRatio.on],
    ] as const) {
      console.log(
        `| ${name} | ${f1(r.seconds)} s | ${bare.toFixed(2)} | ${f1(r.cpuSeconds)} s | ${f0(r.maxRssMb)} MB |`,
      );
    }
    console.log(
      `on/off: wall time ${d.ratio.toFixed(2)}, CPU time ${d.cpuRatio.toFixed(2)}; ${f0(d.duplicates)} duplicates not sent; store ${f1(d.storeMb)} MB; targets: with dedup on too, 0.6 of the bare loop (the real-code speed target) and peak RSS <= 256 MB, about 1.2 times the CPU time without`,
    );
  }
}

if (only === undefined || only === 'split') {
  const real = await ensureRealCorpus(join(root, 'bench', '.corpus'), Number(values['real-mb']), 1);
  const rows = await benchSplit(
    join(real.dir, '2.reviewed_slices', 'repo_stdlib_0', 'code_slices.jsonl'),
    60_000_000,
  );
  console.log(
    '\nThe pre-split of counting on real code (code and docstrings of the first 60 MB of slices), CPU time, best of 3:',
  );
  console.log(
    '| encoding | text | texts with a different chunk | split expression (V8) | hand-written ASCII splitter |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.encoding} | ${f1(r.mb)} MB | ${r.mismatches} of ${f0(r.texts)} | ${f1(r.expressionMbPerS)} MB/s | ${f1(r.handMbPerS)} MB/s |`,
    );
  }
}

if (only === undefined || only === 'count') {
  const real = await ensureRealCorpus(join(root, 'bench', '.corpus'), Number(values['real-mb']), 1);
  const r = await benchCountReal(
    join(real.dir, '2.reviewed_slices', 'repo_stdlib_0', 'code_slices.jsonl'),
    60_000_000,
  );
  console.log(
    '\nCounting alone on real code (code and docstrings of the first 60 MB of slices, o200k), thread CPU time:',
  );
  console.log(
    '| text | texts | tokens | first pass (new counter) | cache warm, best of 3 | split expression alone |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|');
  console.log(
    `| ${f1(r.mb)} MB | ${f0(r.texts)} | ${f0(r.tokens)} | ${f1(r.firstPassMbPerS)} MB/s | ${f1(r.warmMbPerS)} MB/s | ${f1(r.splitOnlyMbPerS)} MB/s |`,
  );
  await printCountWasm(join(real.dir, '2.reviewed_slices', 'repo_stdlib_0', 'code_slices.jsonl'));
}

if (only === undefined || only === 'emulator') {
  const e = await benchEmulator(root);
  console.log('\nEmulator (slicebatch emulator, built CLI, a child process), one 200 MB batch:');
  console.log(
    '| upload | run (validate + answer 50,000 requests + write results) | download | emulator peak RSS |',
  );
  console.log('|---:|---:|---:|---:|');
  console.log(
    `| ${f1(e.fileMb)} MB at ${f1(e.uploadMbPerS)} MB/s | ${f1(e.runSeconds)} s | ${f1(e.resultsMb)} MB at ${f1(e.downloadMbPerS)} MB/s | ${f0(e.emulatorPeakRssMb)} MB |`,
  );
}

if (only === undefined || only === 'submit') {
  console.log(
    '\nSubmission (slicebatch submit against slicebatch emulator, two processes, no added latency):',
  );
  console.log('| files | concurrency | files submitted/s | API calls per file |');
  console.log('|---:|---:|---:|---:|');
  for (const concurrency of [1, 4]) {
    const s = await benchSubmit(root, 200, concurrency);
    console.log(
      `| ${s.files} | ${s.concurrency} | ${f1(s.filesPerS)} | ${s.callsPerFile.toFixed(2)} |`,
    );
  }
}

if (only === undefined || only === 'poll') {
  const p = await benchPoll(root);
  console.log(
    '\nPolling (the poll tick against the emulator; a verified download in its own process):',
  );
  console.log('| active jobs | API calls per tick | download | throughput | downloader peak RSS |');
  console.log('|---:|---:|---:|---:|---:|');
  console.log(
    `| ${f0(p.activeJobs)} | ${p.callsPerTick} | ${f1(p.downloadMb)} MB | ${f1(p.downloadMbPerS)} MB/s | ${f0(p.downloadPeakRssMb)} MB |`,
  );
}

if (only === undefined || only === 'grounding') {
  const g = await benchGrounding(root);
  console.log(
    `\nGrounding (poll's fates of one batch of ${f0(g.requests)} scenario 1 requests, ${f1(g.inputMb)} MB of input, ${f1(g.resultsMb)} MB of shuffled results, ${f0(g.ungrounded)} ungrounded; each in its own process):`,
  );
  console.log('| grounding | wall | CPU time | peak RSS |');
  console.log('|---|---:|---:|---:|');
  for (const [name, r] of [
    ['off', g.off],
    ['on', g.on],
  ] as const) {
    console.log(`| ${name} | ${f1(r.seconds)} s | ${f1(r.cpuSeconds)} s | ${f0(r.maxRssMb)} MB |`);
  }
}

if (only === undefined || only === 'ended-batch') {
  const e = await benchEndedBatch(root);
  console.log(
    `\nAn ended batch handled as the poll tick does (bench/ended-batch.ts, its own process): ${f0(e.requests)} scenario 1 requests, ${f1(e.inputMb)} MB of batch input, ${f1(e.resultsMb)} MB of shuffled results, a tenth not JSON (a retry file: ${e.retryFile ? 'yes' : 'no'}), grounding on; the process's CPU time and RSS also count making the batch, so the figure is the heap's:`,
  );
  console.log('| fates | usable / retry / final | peak heap + buffers above the start |');
  console.log('|---:|---:|---:|');
  console.log(
    `| ${f0(e.fates)} | ${f0(e.outcome.usable)} / ${f0(e.outcome.retry)} / ${f0(e.outcome.final)} | ${f1(e.peakHeapAndBuffersMb)} MB |`,
  );
}

if (only === undefined || only === 'line-readers') {
  const l = await benchLineReaders(root, 200, runs);
  console.log(
    `\nThe two line readers (bench/line-readers.ts, its own process) on a generated results file of ${f0(l.lines)} lines, ${f0(l.mb)} MB, best of ${l.runs}:`,
  );
  console.log('| what is read | time | throughput |');
  console.log('|---|---:|---:|');
  for (const c of l.cases) {
    console.log(`| ${c.name} | ${c.seconds.toFixed(2)} s | ${f0(c.mbPerS)} MB/s |`);
  }
}

if (only === undefined || only === 'compile') {
  console.log('\nGenerating or reusing a data set of 1,000,000 results...');
  const corpus = await ensureCompileCorpus(join(root, 'bench', '.corpus'));
  console.log(`Data set: ${f1(corpus.bytes / 1e6)} MB in ${corpus.dir}.`);
  for (const parquet of [false, true]) {
    const c = await benchCompile(root, corpus, runs, parquet);
    console.log(
      `\nStep 4, results → dataset (slicebatch compile, built CLI, alpaca format, ${parquet ? 'with compile.parquet: the Parquet files of both splits too' : 'JSONL only'}), median of ${runs} runs, peak RSS the highest:`,
    );
    console.log('| results | records/s | wall | peak RSS | written | of which Parquet |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    for (const r of [c.quarter, c.full]) {
      console.log(
        `| ${f0(r.results)} | ${f0(r.recordsPerS)} | ${f1(r.seconds)} s | ${f0(r.maxRssMb)} MB | ${f0(r.outputMb)} MB | ${f0(r.parquetMb)} MB |`,
      );
    }
    const perRecord =
      ((c.full.maxRssMb - c.quarter.maxRssMb) * 1024 * 1024) / (c.full.results - c.quarter.results);
    console.log(`\npeak RSS growth: ${f0(perRecord)} bytes per record between the two`);
  }
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
}

if (only === undefined || only === 'daemon') {
  const real = await ensureRealCorpus(join(root, 'bench', '.corpus'), Number(values['real-mb']), 1);
  const d = await benchDaemon(root, { dedupStoreOf: real });
  console.log('\nThe daemon (slicebatch run, built CLI, a child process, against the emulator):');
  console.log('| | |');
  console.log('|---|---:|');
  console.log(
    `| rename into the inbox → batch created (${d.drops} files, one at a time, 6,000 calls/min allowed) | median ${f0(d.latencyMedianMs)} ms, p95 ${f0(d.latencyP95Ms)} ms |`,
  );
  console.log(
    `| idle, default settings (over ${d.idleSeconds} s) | ${d.idleCpuPercent.toFixed(2)} % CPU, ${f0(d.idleRssMb)} MB RSS |`,
  );
  console.log(
    `| start-up with ${f0(d.startupFiles)} files in the inbox: running / all converted | ${f1(d.startupRunningMs / 1000)} s / ${f1(d.startupAllTakenMs / 1000)} s (peak RSS ${f0(d.startupPeakRssMb)} MB) |`,
  );
  console.log(
    `| restart with those ${f0(d.startupFiles)} files already taken: running | ${f1(d.restartRunningMs / 1000)} s |`,
  );
  if (d.dedup !== undefined) {
    console.log(
      `| with dedup and ${f0(d.dedup.keptSlices)} slices of real code kept: rename → batch created (${d.drops} files) | median ${f0(d.dedup.latencyMedianMs)} ms, p95 ${f0(d.dedup.latencyP95Ms)} ms (RSS after: ${f0(d.dedup.rssMb)} MB) |`,
    );
  }
}

if (only === undefined || only === 'review') {
  console.log('\nGenerating or reusing a data set of 1,000,000 results (as for compile)...');
  const corpus = await ensureCompileCorpus(join(root, 'bench', '.corpus'));
  const r = await benchReview(root, corpus);
  console.log(
    `\nThe review page at ${f0(r.slices)} slices (slicebatch ui, built CLI, a child process):`,
  );
  console.log(
    `index build (slicebatch ui --build-index): ${f1(r.build.seconds)} s wall, ${f1(r.build.cpuSeconds)} s CPU, peak RSS ${f0(r.build.maxRssMb)} MB (${r.build.line})`,
  );
  console.log('| request (over HTTP, one at a time) | requests | median | p95 | slowest |');
  console.log('|---|---:|---:|---:|---:|');
  for (const l of r.latency) {
    console.log(
      `| ${l.what} | ${l.requests} | ${f0(l.medianMs)} ms | ${f0(l.p95Ms)} ms | ${f0(l.maxMs)} ms |`,
    );
  }
  console.log(`page server peak RSS: ${f0(r.serverMaxRssMb)} MB (target: every request < 200 ms)`);
}
