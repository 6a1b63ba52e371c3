/**
 * Fingerprinting in WebAssembly against its JavaScript path, on the code of the first slices of
 * the real corpus: every fingerprint checked equal first (every word of the exact hash, the
 * tokens and, from MIN_NEAR_TOKENS tokens on, the signature), then the thread CPU time of a pass
 * over all the codes each way, in turn, `--runs` times. The codes go in lists of BATCH, as the
 * conversion sends a chunk's codes to its helper thread.
 *
 *     node bench/fingerprint-wasm.ts [--mb 60] [--runs 3] [--file bench/.corpus/real-271mb/source/code_slices.jsonl]
 *
 * `--mb 0`: the whole file.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { MIN_NEAR_TOKENS, PACKED_WORDS, packFingerprint } from '../src/domain/code-fingerprint.ts';
import { hashComments } from '../src/domain/code-tokens.ts';
import { createWasmCodeFingerprinter } from '../src/domain/wasm-code-fingerprint.ts';

const BATCH = 512;

async function readCodes(
  file: string,
  mb: number,
): Promise<{ codes: string[]; flags: Uint8Array }> {
  const codes: string[] = [];
  const flags: number[] = [];
  let bytes = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (mb > 0 && bytes >= mb * 1e6) break;
    bytes += Buffer.byteLength(line) + 1;
    if (line.trim() === '') continue;
    const slice = JSON.parse(line) as { code_snippet?: unknown; file_path?: unknown };
    if (typeof slice.code_snippet !== 'string') continue;
    codes.push(slice.code_snippet);
    flags.push(typeof slice.file_path === 'string' && hashComments(slice.file_path) ? 1 : 0);
  }
  return { codes, flags: Uint8Array.from(flags) };
}

function passJs(codes: readonly string[], flags: Uint8Array, out: Uint32Array): void {
  for (let i = 0; i < codes.length; i += BATCH) {
    const end = Math.min(codes.length, i + BATCH);
    for (let j = i; j < end; j++)
      packFingerprint(codes[j]!, flags[j] === 1, out, (j - i) * PACKED_WORDS);
  }
}

function passWasm(
  fingerprinter: ReturnType<typeof createWasmCodeFingerprinter>,
  codes: readonly string[],
  flags: Uint8Array,
  out: Uint32Array,
): void {
  for (let i = 0; i < codes.length; i += BATCH) {
    const end = Math.min(codes.length, i + BATCH);
    fingerprinter.packInto(codes.slice(i, end), flags.subarray(i, end), out);
  }
}

function threadCpuSeconds(f: () => void): number {
  const started = process.threadCpuUsage();
  f();
  const used = process.threadCpuUsage(started);
  return (used.user + used.system) / 1e6;
}

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '60' },
    runs: { type: 'string', default: '3' },
    file: { type: 'string', default: 'bench/.corpus/real-271mb/source/code_slices.jsonl' },
  },
});
const { codes, flags } = await readCodes(values.file, Number(values.mb));
const fingerprinter = createWasmCodeFingerprinter();

// The same fingerprints, every word that is read, for every code.
const all = codes.length * PACKED_WORDS;
const js = new Uint32Array(all);
const wasm = new Uint32Array(all);
for (let i = 0; i < codes.length; i++)
  packFingerprint(codes[i]!, flags[i] === 1, js, i * PACKED_WORDS);
fingerprinter.packInto(codes, flags, wasm);
let differ = 0;
for (let i = 0; i < codes.length; i++) {
  const at = i * PACKED_WORDS;
  const words = js[at + 3]! < MIN_NEAR_TOKENS ? 4 : PACKED_WORDS;
  for (let w = 0; w < words; w++) {
    if (js[at + w] !== wasm[at + w]) {
      differ++;
      break;
    }
  }
}
const javascript = fingerprinter.javascript;
const chars = codes.reduce((n, c) => n + c.length, 0);
console.log(
  `${codes.length} slices (${(chars / 1e6).toFixed(1)} M characters of code), ` +
    `${javascript} by the JavaScript path (beyond ASCII or too large), ` +
    `${differ} fingerprints differ`,
);
if (differ > 0) process.exit(1);

const out = new Uint32Array(BATCH * PACKED_WORDS);
console.log('run  JavaScript s  WebAssembly s  ratio');
for (let r = 1; r <= Number(values.runs); r++) {
  const a = threadCpuSeconds(() => passJs(codes, flags, out));
  const b = threadCpuSeconds(() => passWasm(fingerprinter, codes, flags, out));
  console.log(
    `${r}    ${a.toFixed(2).padStart(12)}  ${b.toFixed(2).padStart(13)}  ${(a / b).toFixed(2)}`,
  );
}
