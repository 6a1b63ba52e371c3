/**
 * Counting in WebAssembly against the counter's JavaScript path, on the code and docstrings of
 * the first slices of the real corpus (o200k): every text's count checked equal first, then
 * thread CPU time of a first pass with a new counter (every distinct chunk a miss once) and of
 * the best of 3 warm passes, each way, in turn. The texts go to `countAll` in lists of
 * `BATCH`, as the conversion sends them to its helper thread.
 *
 *     node bench/count-wasm.ts [--mb 60] [--runs 3] [--encoding o200k_base]
 */
import { createTokenCounter, type EncodingName } from '../src/domain/token-counter.ts';
import { threadCpuSeconds } from './count-real.ts';
import { slicesText } from './split-compare.ts';

const BATCH = 512;

export interface WasmCountRow {
  readonly way: 'js' | 'wasm';
  readonly firstS: number;
  readonly warmS: number;
}

function passJs(counter: { count(t: string): number }, texts: readonly string[]): number {
  let n = 0;
  for (const t of texts) n += counter.count(t);
  return n;
}

function passWasm(
  counter: { countAll(t: readonly string[], c: Int32Array): void },
  texts: readonly string[],
): number {
  let n = 0;
  const counts = new Int32Array(BATCH);
  for (let i = 0; i < texts.length; i += BATCH) {
    const list = texts.slice(i, i + BATCH);
    counter.countAll(list, counts);
    for (let j = 0; j < list.length; j++) n += counts[j]!;
  }
  return n;
}

export async function benchCountWasm(
  file: string,
  maxBytes: number,
  runs: number,
  encoding: EncodingName = 'o200k_base',
): Promise<{ mb: number; texts: number; tokens: number; rows: WasmCountRow[] }> {
  const texts = (await slicesText(file, maxBytes)).filter((t) => t !== '');
  const mb = texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6;
  // Every text's count the same both ways, before any timing.
  const reference = await createTokenCounter(encoding);
  const checked = await createTokenCounter(encoding);
  const counts = new Int32Array(BATCH);
  let differ = 0;
  let tokens = 0;
  for (let i = 0; i < texts.length; i += BATCH) {
    const list = texts.slice(i, i + BATCH);
    checked.countAll(list, counts);
    for (let j = 0; j < list.length; j++) {
      const want = reference.count(list[j]!);
      tokens += want;
      if (counts[j] !== want) differ++;
    }
  }
  if (differ > 0) throw new Error(`${differ} texts counted differently in WebAssembly`);
  const rows: WasmCountRow[] = [];
  for (let run = 0; run < runs; run++) {
    for (const way of ['js', 'wasm'] as const) {
      const counter = await createTokenCounter(encoding);
      const pass = way === 'js' ? () => passJs(counter, texts) : () => passWasm(counter, texts);
      let total = 0;
      const firstS = threadCpuSeconds(() => (total = pass()));
      if (total !== tokens) throw new Error(`${way}: ${total} tokens, not ${tokens}`);
      let warmS = Infinity;
      for (let w = 0; w < 3; w++) warmS = Math.min(warmS, threadCpuSeconds(pass));
      rows.push({ way, firstS, warmS });
    }
  }
  return { mb, texts: texts.length, tokens, rows };
}

/** `npm run bench -- --only count`: both encodings, the first 60 MB, 3 runs each way. */
export async function printCountWasm(file: string): Promise<void> {
  console.log(
    '\nCounting many texts at once in WebAssembly (countAll) against one at a time in JavaScript (count), the same texts, every count checked equal first, thread CPU time, 3 runs each way in turn:',
  );
  console.log('| encoding | text | tokens | way | first pass (new counter) | warm, best of 3 |');
  console.log('|---|---:|---:|---|---:|---:|');
  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    const r = await benchCountWasm(file, 60_000_000, 3, encoding);
    for (const way of ['js', 'wasm'] as const) {
      const rows = r.rows.filter((row) => row.way === way);
      const range = (xs: number[]): string =>
        `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)} s`;
      console.log(
        `| ${encoding} | ${r.mb.toFixed(1)} MB | ${r.tokens} | ${way === 'js' ? 'JavaScript' : 'WebAssembly'} | ${range(rows.map((x) => x.firstS))} | ${range(rows.map((x) => x.warmS))} |`,
      );
    }
  }
}

if (import.meta.main) {
  const arg = (name: string, fallback: string): string => {
    const i = process.argv.indexOf(name);
    return i < 0 ? fallback : process.argv[i + 1]!;
  };
  const file = arg('--file', 'bench/.corpus/real-271mb/source/code_slices.jsonl');
  const mb = Number(arg('--mb', '60'));
  const runs = Number(arg('--runs', '3'));
  const encoding = arg('--encoding', 'o200k_base') as EncodingName;
  const r = await benchCountWasm(file, mb * 1e6, runs, encoding);
  console.log(
    `${encoding}: ${r.texts} texts, ${r.mb.toFixed(1)} MB, ${r.tokens} tokens, all equal`,
  );
  for (const row of r.rows) {
    console.log(
      `${row.way.padEnd(5)} first ${row.firstS.toFixed(3)} s (${(r.mb / row.firstS).toFixed(1)} MB/s)` +
        `  warm ${row.warmS.toFixed(3)} s (${(r.mb / row.warmS).toFixed(1)} MB/s)`,
    );
  }
  console.log(
    `load average ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}
