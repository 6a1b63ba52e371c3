/**
 * AssemblyScript, compiled to WebAssembly by `npm run build:wasm` (src/domain/chunk-counter-wasm.ts
 * holds the result, and a test checks that it is this source's build).
 *
 * Token counts of ASCII texts for the o200k and cl100k encodings, in one loop over bytes: the
 * pre-split (pre-split.ts), each chunk's count looked up in a bounded table, and a chunk not
 * there counted by byte-pair merging (byte-pair-merge.ts). No JavaScript regular expression,
 * string or hash per chunk. JavaScript (src/domain/wasm-chunk-counter.ts) writes the encoding's
 * ASCII tokens once (`addTokens`), then batches of ASCII texts into the input region, each
 * followed by three 0xFF bytes, and calls `run`, which leaves each text's tokens in the counts
 * region.
 *
 * The chunk table: open addressing, linear probing, 16 bytes a slot. Chunks of 3 to 12 bytes are
 * held in their slot (words 0-2, zero-padded); chunks of 13 to LONG_MAX bytes as a hash (word 0)
 * and an offset (word 1) into a store of bytes. Word 3 is length | count << 8 (0: empty). When
 * half the slots or the whole store are used, the table is emptied: its memory is fixed.
 */
import {
  countChunk,
  growTo,
  initRanks,
  longHash,
  lowBytes,
  mergePiece,
  sameBytes,
} from './byte-pair-merge';
import { COUNTS, PAIRS } from './layout';
import { byte, cl100kChunkEnd, cls, END, fillClasses, o200kChunkEnd } from './pre-split';

export { addTokens, tokensAt } from './byte-pair-merge';

/** Longest chunk the table holds; longer ones are counted every time. */
const LONG_MAX: u32 = 128;

let input: usize = 0;
let table: usize = 0;
let longs: usize = 0;
let slotMask: u32 = 0;
let slotCount: u32 = 0;
let storeSize: u32 = 0;
let used: u32 = 0;
let storeUsed: u32 = 0;
let o200k: bool = true;

/**
 * Lays the regions out: `maxTexts` counts, `inputSize` bytes of input, 2^slotsLog2 slots and
 * `storeBytes` of long chunks for the chunk table, `tokenBytes` for the packed token list
 * (`addTokens` lays the rank table out after it). Returns the input region's offset.
 */
export function init(
  isO200k: bool,
  maxTexts: u32,
  inputSize: u32,
  slotsLog2: u32,
  storeBytes: u32,
  tokenBytes: u32,
): usize {
  o200k = isO200k;
  input = COUNTS + (<usize>maxTexts << 2);
  table = (input + <usize>inputSize + 64 + 15) & ~(<usize>15);
  slotCount = 1 << slotsLog2;
  slotMask = slotCount - 1;
  longs = table + (<usize>slotCount << 4);
  storeSize = storeBytes;
  const tokens = (longs + <usize>storeBytes + 15) & ~(<usize>15);
  growTo(tokens + <usize>tokenBytes + 64);
  fillClasses();
  initRanks(tokens);
  clear();
  return input;
}

export function pairsAt(): usize {
  return PAIRS;
}

export function countsAt(): usize {
  return COUNTS;
}

/** Slots of the chunk table in use. */
export function usedSlots(): u32 {
  return used;
}

function clear(): void {
  memory.fill(table, 0, <usize>slotCount << 4);
  used = 0;
  storeUsed = 0;
}

@inline
function mix(w0: u32, w1: u32, w2: u32, len: u32): u32 {
  let h = (w0 ^ len) * 0x9e3779b1;
  h = (h ^ w1 ^ (h >>> 15)) * 0x85ebca77;
  h = (h ^ w2 ^ (h >>> 13)) * 0xc2b2ae3d;
  return h ^ (h >>> 16);
}

/** The slot of chunk p..p+len (3..LONG_MAX bytes): its own, or the empty one it would take. */
function slotOf(p: usize, len: u32): usize {
  if (len <= 12) {
    const w0 = lowBytes(load<u32>(p), len);
    const w1 = len > 4 ? lowBytes(load<u32>(p + 4), len - 4) : 0;
    const w2 = len > 8 ? lowBytes(load<u32>(p + 8), len - 8) : 0;
    let i = mix(w0, w1, w2, len) & slotMask;
    while (true) {
      const s = table + (<usize>i << 4);
      const w3 = load<u32>(s, 12);
      if (w3 == 0) return s;
      if ((w3 & 255) == len && load<u32>(s) == w0 && load<u32>(s, 4) == w1 && load<u32>(s, 8) == w2)
        return s;
      i = (i + 1) & slotMask;
    }
  }
  const h = longHash(p, len);
  let i = h & slotMask;
  while (true) {
    const s = table + (<usize>i << 4);
    const w3 = load<u32>(s, 12);
    if (w3 == 0) return s;
    if (
      (w3 & 255) == len &&
      load<u32>(s) == h &&
      sameBytes(longs + <usize>load<u32>(s, 4), p, len)
    )
      return s;
    i = (i + 1) & slotMask;
  }
}

/** Keeps `count` for the chunk p..p+len (3..LONG_MAX bytes), found missing at slot `s`. */
function keep(s: usize, p: usize, len: u32, count: u32): void {
  if ((used << 1) >= slotCount || (len > 12 && storeUsed + len > storeSize)) {
    clear();
    s = slotOf(p, len);
  }
  if (len <= 12) {
    store<u32>(s, lowBytes(load<u32>(p), len));
    store<u32>(s, len > 4 ? lowBytes(load<u32>(p + 4), len - 4) : 0, 4);
    store<u32>(s, len > 8 ? lowBytes(load<u32>(p + 8), len - 8) : 0, 8);
  } else {
    memory.copy(longs + <usize>storeUsed, p, len);
    store<u32>(s, longHash(p, len));
    store<u32>(s, storeUsed, 4);
    storeUsed += len;
  }
  store<u32>(s, len | (count << 8), 12);
  used++;
}

/** Counts texts 0..n-1 of the input region into the counts region. */
export function run(n: u32): void {
  let p = input;
  const isO = o200k;
  for (let t: u32 = 0; t < n; t++) {
    let total: u32 = 0;
    while (cls(p) != END) {
      const q = isO ? o200kChunkEnd(p) : cl100kChunkEnd(p);
      const len = <u32>(q - p);
      if (len == 1) total += 1;
      else if (len == 2) total += <u32>load<u8>(PAIRS + ((<usize>byte(p) << 7) | <usize>byte(p + 1)));
      else if (len <= LONG_MAX) {
        const s = slotOf(p, len);
        const w3 = load<u32>(s, 12);
        if (w3 != 0) total += w3 >>> 8;
        else {
          const c = mergePiece(p, len);
          keep(s, p, len, c);
          total += c;
        }
      } else total += countChunk(p, len);
      p = q;
    }
    store<u32>(COUNTS + (<usize>t << 2), total);
    p += 3;
  }
}
