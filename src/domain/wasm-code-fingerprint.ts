/**
 * The fingerprints of many codes at once, the ASCII ones made in WebAssembly
 * (wasm/code-fingerprint.ts, built into code-fingerprint-wasm.ts): the tokens, the exact hash,
 * the shingle hashes and the MinHash signature in one pass over each code's bytes, written in
 * the packed layout of code-fingerprint.ts (PACKED_WORDS a code), bit for bit the same words as
 * packFingerprint (test/unit/wasm-code-fingerprint.test.ts): stores keep fingerprints across
 * runs. A code with any character beyond ASCII, or larger than the input region, is
 * fingerprinted by packFingerprint (the JavaScript path).
 *
 * Memory is fixed when created, about 3 MB by default: the input region (64 KB: 62 of the
 * 179,520 slices of the real-code corpus are longer), the output region (528 bytes a code of a
 * call, 512 codes), the shingle hashes and the names table (4 and 32 bytes a byte of input).
 * The module's memory never shrinks, so what a long code touched stays resident.
 */
import { codeFingerprintWasm } from './code-fingerprint-wasm.ts';
import { wasmInstances } from './wasm-instances.ts';
import { KEYWORDS, PACKED_WORDS, packFingerprint } from './code-fingerprint.ts';

interface ModuleExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  init(maxCodes: number, inputSize: number): number;
  listAt(): number;
  outAt(): number;
  addKeyword(at: number, length: number): void;
  run(codes: number): void;
}

export interface WasmFingerprintOptions {
  /** Bytes of input per call into the module; a longer code takes the JavaScript path. */
  readonly inputBytes?: number;
  /** Codes per call into the module. */
  readonly maxCodes?: number;
}

export interface WasmCodeFingerprinter {
  /**
   * The fingerprints of `codes` packed in order into `out` (`hashComment[i]` 1: `#` comments in
   * code i), as packFingerprint writes them; returns `out`.
   */
  packInto(codes: readonly string[], hashComment: Uint8Array, out: Uint32Array): Uint32Array;
  /** Codes fingerprinted by the JavaScript path so far (beyond ASCII, or too large). */
  readonly javascript: number;
}

const instantiate = wasmInstances<ModuleExports>(codeFingerprintWasm);

export function createWasmCodeFingerprinter(
  options: WasmFingerprintOptions = {},
): WasmCodeFingerprinter {
  const m = instantiate();
  const inputSize = options.inputBytes ?? 1 << 16;
  const maxCodes = options.maxCodes ?? 512;
  const inputAt = m.init(maxCodes, inputSize);
  const heap = new Uint8Array(m.memory.buffer);
  const encoder = new TextEncoder();
  for (const word of KEYWORDS) {
    encoder.encodeInto(word, heap.subarray(inputAt));
    m.addKeyword(inputAt, word.length);
  }
  const list = new Uint32Array(m.memory.buffer, m.listAt(), maxCodes * 3);
  const moduleOut = new Uint32Array(m.memory.buffer, m.outAt(), maxCodes * PACKED_WORDS);
  /** For each code in the input region, its index in the caller's array. */
  const which = new Int32Array(maxCodes);
  let n = 0;
  let used = 0;
  let javascript = 0;

  const flush = (out: Uint32Array): void => {
    if (n === 0) return;
    m.run(n);
    // Copied in runs of codes that follow each other in the caller's array.
    let t = 0;
    while (t < n) {
      let u = t + 1;
      while (u < n && which[u] === which[t]! + (u - t)) u++;
      out.set(moduleOut.subarray(t * PACKED_WORDS, u * PACKED_WORDS), which[t]! * PACKED_WORDS);
      t = u;
    }
    n = 0;
    used = 0;
  };

  return {
    packInto(codes, hashComment, out) {
      for (let i = 0; i < codes.length; i++) {
        const code = codes[i]!;
        const length = code.length;
        if (length > inputSize) {
          packFingerprint(code, hashComment[i] === 1, out, i * PACKED_WORDS);
          javascript++;
          continue;
        }
        if (used + length > inputSize || n === maxCodes) flush(out);
        const done = encoder.encodeInto(
          code,
          heap.subarray(inputAt + used, inputAt + used + length),
        );
        // All of it read, one byte a character: ASCII (anything else takes two bytes or more).
        if (done.read !== length || done.written !== length) {
          packFingerprint(code, hashComment[i] === 1, out, i * PACKED_WORDS);
          javascript++;
          continue;
        }
        list[n * 3] = used;
        list[n * 3 + 1] = length;
        list[n * 3 + 2] = hashComment[i] === 1 ? 1 : 0;
        which[n++] = i;
        used += length;
      }
      flush(out);
      return out;
    },
    get javascript() {
      return javascript;
    },
  };
}
