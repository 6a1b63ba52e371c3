/**
 * Token counts of many texts at once, the ASCII ones counted in WebAssembly
 * (wasm/chunk-counter.ts, built into chunk-counter-wasm.ts): the split, the look-up of each
 * chunk in a bounded table and the byte-pair merge of a chunk not there all run in one loop over
 * bytes, with no regular expression, string or JavaScript hash per chunk. The merge is
 * byte-pair-count.ts's, with the same ranks, so the counts are the JavaScript counter's, exactly
 * (test/unit/wasm-chunk-counter.test.ts). Texts with any character beyond ASCII, and texts larger
 * than the input region, are counted by `countOther` (the JavaScript path).
 *
 * Memory is fixed when created (6.9 MB for o200k): the input region, the chunk table (emptied
 * when half full, as chunk-count-cache.ts is), the packed token list (token-list.ts) and the
 * rank table of its ASCII tokens.
 */
import { chunkCounterWasm } from './chunk-counter-wasm.ts';
import type { TokenList } from './token-list.ts';
import { wasmInstances } from './wasm-instances.ts';

interface ModuleExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  init(
    isO200k: number,
    maxTexts: number,
    inputSize: number,
    slotsLog2: number,
    storeBytes: number,
    tokenBytes: number,
  ): number;
  pairsAt(): number;
  countsAt(): number;
  tokensAt(): number;
  usedSlots(): number;
  addTokens(count: number): void;
  run(texts: number): void;
}

export interface WasmCounterOptions {
  /** log2 of the chunk table's slots (16 bytes each); emptied when half of them are used. */
  readonly slotsLog2?: number;
  /** Bytes of the chunk table's store of chunks of 13 to 128 bytes. */
  readonly storeBytes?: number;
  /** Bytes of input per call into the module; a longer text is counted by `countOther`. */
  readonly inputBytes?: number;
  /** Texts per call into the module. */
  readonly maxTexts?: number;
}

export interface WasmChunkCounter {
  /** `counts[i]` = tokens of `texts[i]`, for every text. */
  countAll(texts: readonly string[], counts: Int32Array): void;
  /** Slots of the chunk table in use (bounded: at most half of them). */
  usedSlots(): number;
}

const instantiate = wasmInstances<ModuleExports>(chunkCounterWasm);

export function createWasmChunkCounter(
  isO200k: boolean,
  /** The encoding's tokens by rank; the ASCII ones are the merge's ranks. */
  list: TokenList,
  /** Tokens of each two-character ASCII chunk, at (first << 7) | second. */
  pairs: Uint8Array,
  /** Tokens of a whole text the module does not take (beyond ASCII, or too large). */
  countOther: (text: string) => number,
  options: WasmCounterOptions = {},
): WasmChunkCounter {
  const m = instantiate();
  const inputSize = options.inputBytes ?? 1 << 18;
  const maxTexts = options.maxTexts ?? 4096;
  const inputAt = m.init(
    isO200k ? 1 : 0,
    maxTexts,
    inputSize,
    options.slotsLog2 ?? 17,
    options.storeBytes ?? 1 << 20,
    list.packed.length,
  );
  // The packed list as it is (token-list.ts); the module makes its rank table of the ASCII
  // tokens (growing its memory: the views are made after).
  new Uint8Array(m.memory.buffer).set(list.packed, m.tokensAt());
  m.addTokens(list.count);
  const heap = new Uint8Array(m.memory.buffer);
  heap.set(pairs, m.pairsAt());
  const moduleCounts = new Uint32Array(m.memory.buffer, m.countsAt(), maxTexts);
  const encoder = new TextEncoder();
  /** For each text in the input region, its index in the caller's array. */
  const which = new Int32Array(maxTexts);
  let n = 0;
  let used = 0;

  const flush = (counts: Int32Array): void => {
    if (n === 0) return;
    m.run(n);
    for (let t = 0; t < n; t++) counts[which[t]!] = moduleCounts[t]!;
    n = 0;
    used = 0;
  };

  return {
    countAll(texts, counts) {
      for (let i = 0; i < texts.length; i++) {
        const text = texts[i]!;
        const length = text.length;
        if (length === 0) {
          counts[i] = 0;
          continue;
        }
        if (length + 3 > inputSize) {
          counts[i] = countOther(text);
          continue;
        }
        if (used + length + 3 > inputSize || n === maxTexts) flush(counts);
        const at = inputAt + used;
        const done = encoder.encodeInto(text, heap.subarray(at, at + length + 3));
        // All of it read, one byte a character: ASCII (anything else takes two bytes or more).
        if (done.read !== length || done.written !== length) {
          counts[i] = countOther(text);
          continue;
        }
        heap[at + length] = 0xff;
        heap[at + length + 1] = 0xff;
        heap[at + length + 2] = 0xff;
        which[n++] = i;
        used += length + 3;
      }
      flush(counts);
    },
    usedSlots: () => m.usedSlots(),
  };
}
