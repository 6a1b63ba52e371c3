/**
 * AssemblyScript, compiled to WebAssembly by `npm run build:wasm` (src/domain/chunk-counter-wasm.ts
 * holds the result, and a test checks that it is this source's build).
 *
 * Token counts of ASCII texts for the o200k and cl100k encodings, in one loop over bytes: the
 * pre-split rules of bench/ascii-splitter.ts (proven equal to the split expressions, chunk for
 * chunk, on ASCII text), each chunk's count looked up in a bounded table, and a chunk not there
 * counted by byte-pair merging as src/domain/byte-pair-count.ts does it (the same ranks, the
 * same leftmost lowest pair first, chunks over LONG_CHUNK bytes merged in pieces of that size).
 * No JavaScript regular expression, string or hash per chunk. JavaScript
 * (src/domain/wasm-chunk-counter.ts) writes the encoding's ASCII tokens once (`addToken`), then
 * batches of ASCII texts into the input region, each followed by three 0xFF bytes, and calls
 * `run`, which leaves each text's tokens in the counts region.
 *
 * The chunk table: open addressing, linear probing, 16 bytes a slot. Chunks of 3 to 12 bytes are
 * held in their slot (words 0-2, zero-padded); chunks of 13 to LONG_MAX bytes as a hash (word 0)
 * and an offset (word 1) into a store of bytes. Word 3 is length | count << 8 (0: empty). When
 * half the slots or the whole store are used, the table is emptied: its memory is fixed.
 *
 * The rank table: open addressing, 8 bytes a slot: the token's offset among the token bytes, and
 * length | rank << 9 (0: empty).
 */

// Classes of bytes, as the split expressions see them (bytes 0x80 and up never reach `run`).
const LOWER: u32 = 1; // \p{Ll}
const UPPER: u32 = 2; // \p{Lu}
const DIGIT: u32 = 3; // \p{N}
const NEWLINE: u32 = 4; // [\r\n]
const SPACE: u32 = 5; // \s other than \r \n
const OTHER: u32 = 6; // punctuation, symbols, control characters
const END: u32 = 0; // the 0xFF after a text

/** Longest chunk the table holds; longer ones are counted every time. */
const LONG_MAX: u32 = 128;
/** Longest piece merged whole (byte-pair-count.ts LONG_CHUNK). */
const LONG_CHUNK: u32 = 256;
/** No rank: not a token. */
const NONE: u32 = 0xffffffff;
const BASE: usize = 65536;

/** The class of each byte, and the tokens of each two-byte ASCII chunk at (b0 << 7) | b1. */
const classes: usize = BASE;
const pairs: usize = BASE + 256;
/** The merge's scratch: LONG_CHUNK + 1 part starts, then as many pair ranks. */
const starts: usize = pairs + 16384;
const pairRanks: usize = starts + ((<usize>LONG_CHUNK + 1) << 2);
const counts: usize = pairRanks + ((<usize>LONG_CHUNK + 1) << 2);
let input: usize = 0;
let table: usize = 0;
let longs: usize = 0;
let rankSlots: usize = 0;
let tokens: usize = 0;
let slotMask: u32 = 0;
let slotCount: u32 = 0;
let storeSize: u32 = 0;
let rankMask: u32 = 0;
let used: u32 = 0;
let storeUsed: u32 = 0;
let o200k: bool = true;

/**
 * Lays the regions out: `maxTexts` counts, `inputSize` bytes of input, 2^slotsLog2 slots and
 * `storeBytes` of long chunks for the chunk table, 2^rankSlotsLog2 slots and `tokenBytes` of
 * token bytes for the rank table. Returns the input region's offset.
 */
export function init(
  isO200k: bool,
  maxTexts: u32,
  inputSize: u32,
  slotsLog2: u32,
  storeBytes: u32,
  rankSlotsLog2: u32,
  tokenBytes: u32,
): usize {
  o200k = isO200k;
  input = counts + (<usize>maxTexts << 2);
  table = (input + <usize>inputSize + 64 + 15) & ~(<usize>15);
  slotCount = 1 << slotsLog2;
  slotMask = slotCount - 1;
  longs = table + (<usize>slotCount << 4);
  storeSize = storeBytes;
  rankSlots = (longs + <usize>storeBytes + 15) & ~(<usize>15);
  rankMask = (1 << rankSlotsLog2) - 1;
  tokens = rankSlots + ((<usize>rankMask + 1) << 3);
  const end = tokens + <usize>tokenBytes + 64;
  const pages = <i32>((end + 65535) >> 16);
  if (pages > memory.size()) memory.grow(pages - memory.size());
  for (let c: u32 = 0; c < 256; c++) store<u8>(classes + c, <u8>OTHER);
  for (let c: u32 = 97; c <= 122; c++) store<u8>(classes + c, <u8>LOWER);
  for (let c: u32 = 65; c <= 90; c++) store<u8>(classes + c, <u8>UPPER);
  for (let c: u32 = 48; c <= 57; c++) store<u8>(classes + c, <u8>DIGIT);
  store<u8>(classes + 10, <u8>NEWLINE);
  store<u8>(classes + 13, <u8>NEWLINE);
  store<u8>(classes + 9, <u8>SPACE);
  store<u8>(classes + 11, <u8>SPACE);
  store<u8>(classes + 12, <u8>SPACE);
  store<u8>(classes + 32, <u8>SPACE);
  store<u8>(classes + 255, <u8>END);
  memory.fill(rankSlots, 0, (<usize>rankMask + 1) << 3);
  clear();
  return input;
}

export function tokensAt(): usize {
  return tokens;
}

export function pairsAt(): usize {
  return pairs;
}
export function countsAt(): usize {
  return counts;
}
/** How many times the table has been emptied is not kept; how many slots are used is. */
export function usedSlots(): u32 {
  return used;
}

function clear(): void {
  memory.fill(table, 0, <usize>slotCount << 4);
  used = 0;
  storeUsed = 0;
}

@inline
function cls(p: usize): u32 {
  return <u32>load<u8>(classes + <usize>load<u8>(p));
}

@inline
function byte(p: usize): u32 {
  return <u32>load<u8>(p);
}

/** Length of a contraction (`'s 'd 'm 't 'll 've 're`, any case) at `i`, else 0. */
@inline
function contractionAt(i: usize): usize {
  if (byte(i) != 39) return 0;
  const a = byte(i + 1) | 0x20;
  if (a == 115 || a == 100 || a == 109 || a == 116) return 2;
  const b = byte(i + 2) | 0x20;
  if ((a == 108 && b == 108) || (a == 118 && b == 101) || (a == 114 && b == 101)) return 3;
  return 0;
}

function spaceChunkEnd(p: usize, q: usize): usize {
  // \s*[\r\n]+ (o200k), \s*[\r\n] (cl100k): up to the last line break of the run.
  for (let k = q; k > p; k--) {
    const c = byte(k - 1);
    if (c == 10 || c == 13) return k;
  }
  // \s+(?!\S): the run but its last character when something follows; then \s+ or \s.
  if (cls(q) == END) return q;
  return q - p > 1 ? q - 1 : p + 1;
}

function spaceRunEnd(p: usize): usize {
  let q = p;
  let k = cls(q);
  while (k == SPACE || k == NEWLINE) k = cls(++q);
  return q;
}

@inline
function o200kChunkEnd(p: usize): usize {
  const k0 = cls(p);
  let q = p;
  if (k0 != LOWER && k0 != UPPER && k0 != DIGIT && k0 != NEWLINE) q = p + 1;
  let k = cls(q);
  if (k == LOWER || k == UPPER) {
    while (cls(q) == UPPER) q++;
    let lower = 0;
    while (cls(q) == LOWER) {
      q++;
      lower++;
    }
    if (lower > 0 || q > p + (k0 == UPPER ? 0 : 1)) return q + contractionAt(q);
  }
  if (k0 == DIGIT) {
    q = p + 1;
    while (q < p + 3 && cls(q) == DIGIT) q++;
    return q;
  }
  q = k0 == SPACE && byte(p) == 32 ? p + 1 : p;
  if (cls(q) == OTHER) {
    while (cls(q) == OTHER) q++;
    for (;;) {
      const c = byte(q);
      if (c == 10 || c == 13 || c == 47) q++;
      else break;
    }
    return q;
  }
  return spaceChunkEnd(p, spaceRunEnd(p));
}

@inline
function cl100kChunkEnd(p: usize): usize {
  const k0 = cls(p);
  const c = contractionAt(p);
  if (c > 0) return p + c;
  let q = p;
  if (k0 != LOWER && k0 != UPPER && k0 != DIGIT && k0 != NEWLINE) q = p + 1;
  let k = cls(q);
  if (k == LOWER || k == UPPER) {
    while ((k = cls(q)) == LOWER || k == UPPER) q++;
    return q;
  }
  if (k0 == DIGIT) {
    q = p + 1;
    while (q < p + 3 && cls(q) == DIGIT) q++;
    return q;
  }
  q = k0 == SPACE && byte(p) == 32 ? p + 1 : p;
  if (cls(q) == OTHER) {
    while (cls(q) == OTHER) q++;
    for (;;) {
      const b = byte(q);
      if (b == 10 || b == 13) q++;
      else break;
    }
    return q;
  }
  const end = spaceRunEnd(p);
  if (cls(end) == END) return end;
  return spaceChunkEnd(p, end);
}

@inline
function lowBytes(w: u32, n: u32): u32 {
  return n >= 4 ? w : w & ((<u32>1 << (n << 3)) - 1);
}

@inline
function mix(w0: u32, w1: u32, w2: u32, len: u32): u32 {
  let h = (w0 ^ len) * 0x9e3779b1;
  h = (h ^ w1 ^ (h >>> 15)) * 0x85ebca77;
  h = (h ^ w2 ^ (h >>> 13)) * 0xc2b2ae3d;
  return h ^ (h >>> 16);
}

function longHash(p: usize, len: u32): u32 {
  let h: u32 = len * 0x9e3779b1;
  let i: u32 = 0;
  for (; i + 4 <= len; i += 4) {
    h = (h ^ load<u32>(p + i)) * 0x85ebca77;
    h ^= h >>> 15;
  }
  if (i < len) h = (h ^ lowBytes(load<u32>(p + i), len - i)) * 0xc2b2ae3d;
  return h ^ (h >>> 16);
}

function sameBytes(a: usize, b: usize, len: u32): bool {
  let i: u32 = 0;
  for (; i + 4 <= len; i += 4) if (load<u32>(a + i) != load<u32>(b + i)) return false;
  for (; i < len; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
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

/** The rank of the token p..p+len, NONE when it is not one. */
function rankOf(p: usize, len: u32): u32 {
  let i = longHash(p, len) & rankMask;
  while (true) {
    const s = rankSlots + (<usize>i << 3);
    const w1 = load<u32>(s, 4);
    if (w1 == 0) return NONE;
    if ((w1 & 511) == len && sameBytes(tokens + <usize>load<u32>(s), p, len)) return w1 >>> 9;
    i = (i + 1) & rankMask;
  }
}

/**
 * Adds the token at `offset` of the token bytes (`len` bytes, at most 511) with `rank`; a token
 * already there keeps its first rank.
 */
export function addToken(offset: u32, len: u32, rank: u32): void {
  const p = tokens + <usize>offset;
  let i = longHash(p, len) & rankMask;
  while (true) {
    const s = rankSlots + (<usize>i << 3);
    const w1 = load<u32>(s, 4);
    if (w1 == 0) {
      store<u32>(s, offset);
      store<u32>(s, len | (rank << 9), 4);
      return;
    }
    if ((w1 & 511) == len && sameBytes(tokens + <usize>load<u32>(s), p, len)) return;
    i = (i + 1) & rankMask;
  }
}

@inline
function rankAt(p: usize, parts: u32, i: u32): u32 {
  if (i + 2 >= parts + 1) return NONE;
  const from = load<u32>(starts + (<usize>i << 2));
  return rankOf(p + <usize>from, load<u32>(starts + (<usize>(i + 2) << 2)) - from);
}

/** Tokens of the piece p..p+n (at most LONG_CHUNK bytes): byte-pair-count.ts mergeAscii. */
function mergePiece(p: usize, n: u32): u32 {
  if (rankOf(p, n) != NONE) return 1;
  let parts = n;
  for (let i: u32 = 0; i <= n; i++) store<u32>(starts + (<usize>i << 2), i);
  for (let i: u32 = 0; i < n; i++) store<u32>(pairRanks + (<usize>i << 2), rankAt(p, parts, i));
  while (parts > 1) {
    let lowest = NONE;
    let at: i32 = -1;
    for (let i: u32 = 0; i < parts - 1; i++) {
      const r = load<u32>(pairRanks + (<usize>i << 2));
      if (r < lowest) {
        lowest = r;
        at = <i32>i;
      }
    }
    if (at < 0) break;
    const a = <u32>at;
    // Merge parts `a` and `a + 1`.
    memory.copy(
      starts + (<usize>(a + 1) << 2),
      starts + (<usize>(a + 2) << 2),
      <usize>(parts + 1 - (a + 2)) << 2,
    );
    memory.copy(
      pairRanks + (<usize>a << 2),
      pairRanks + (<usize>(a + 1) << 2),
      <usize>(parts - (a + 1)) << 2,
    );
    parts--;
    store<u32>(pairRanks + (<usize>a << 2), rankAt(p, parts, a));
    if (a > 0) store<u32>(pairRanks + (<usize>(a - 1) << 2), rankAt(p, parts, a - 1));
  }
  return parts;
}

/** Tokens of the chunk p..p+len (byte-pair-count.ts: merged in pieces of LONG_CHUNK). */
function countChunk(p: usize, len: u32): u32 {
  if (len <= LONG_CHUNK) return mergePiece(p, len);
  let n: u32 = 0;
  for (let from: u32 = 0; from < len; from += LONG_CHUNK) {
    n += mergePiece(p + <usize>from, min(LONG_CHUNK, len - from));
  }
  return n;
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
      else if (len == 2) total += <u32>load<u8>(pairs + ((<usize>byte(p) << 7) | <usize>byte(p + 1)));
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
    store<u32>(counts + (<usize>t << 2), total);
    p += 3;
  }
}
