/**
 * Byte-pair merging of an ASCII chunk, as src/domain/byte-pair-count.ts does it: the same ranks
 * (the encoding's ASCII tokens, given once by `addTokens`), the lowest-ranked pair merged first,
 * the leftmost of equals, chunks over LONG_CHUNK bytes merged in pieces of that size.
 *
 * The rank table: open addressing, 8 bytes a slot: the token's offset among the token bytes, and
 * length | rank << 9 (0: empty).
 */
import { LONG_CHUNK, PAIR_RANKS, STARTS } from './layout';

/** No rank: not a token. */
const NONE: u32 = 0xffffffff;
let rankSlots: usize = 0;
let rankMask: u32 = 0;
let tokens: usize = 0;

/** The packed token list (src/domain/token-list.ts) is to be put at `tokensAt`. */
export function initRanks(tokensAt: usize): void {
  tokens = tokensAt;
}

/** Memory grown to hold at least `end` bytes. */
export function growTo(end: usize): void {
  const pages = <i32>((end + 65535) >> 16);
  if (pages > memory.size()) memory.grow(pages - memory.size());
}

function isAscii(p: usize, len: u32): bool {
  for (let i: u32 = 0; i < len; i++) if (load<u8>(p + i) > 127) return false;
  return len > 0;
}

/**
 * The rank table of the ASCII tokens of the packed list at `tokensAt()` (`count` lengths of a
 * byte, then the tokens' bytes in rank order), laid out after the list, at most half full.
 */
export function addTokens(count: u32): void {
  const bytes = tokens + <usize>count;
  let ascii: u32 = 0;
  let p = bytes;
  for (let r: u32 = 0; r < count; r++) {
    const len = <u32>load<u8>(tokens + r);
    if (isAscii(p, len)) ascii++;
    p += len;
  }
  let slotsLog2: u32 = 4;
  while (<u32>1 << slotsLog2 < ascii * 2) slotsLog2++;
  rankSlots = (p + 64 + 15) & ~(<usize>15);
  rankMask = (1 << slotsLog2) - 1;
  growTo(rankSlots + ((<usize>rankMask + 1) << 3));
  memory.fill(rankSlots, 0, (<usize>rankMask + 1) << 3);
  p = bytes;
  for (let r: u32 = 0; r < count; r++) {
    const len = <u32>load<u8>(tokens + r);
    if (isAscii(p, len)) addToken(<u32>(p - tokens), len, r);
    p += len;
  }
}

export function tokensAt(): usize {
  return tokens;
}

@inline
export function lowBytes(w: u32, n: u32): u32 {
  return n >= 4 ? w : w & ((<u32>1 << (n << 3)) - 1);
}

export function longHash(p: usize, len: u32): u32 {
  let h: u32 = len * 0x9e3779b1;
  let i: u32 = 0;
  for (; i + 4 <= len; i += 4) {
    h = (h ^ load<u32>(p + i)) * 0x85ebca77;
    h ^= h >>> 15;
  }
  if (i < len) h = (h ^ lowBytes(load<u32>(p + i), len - i)) * 0xc2b2ae3d;
  return h ^ (h >>> 16);
}

export function sameBytes(a: usize, b: usize, len: u32): bool {
  let i: u32 = 0;
  for (; i + 4 <= len; i += 4) if (load<u32>(a + i) != load<u32>(b + i)) return false;
  for (; i < len; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
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
function addToken(offset: u32, len: u32, rank: u32): void {
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
  const from = load<u32>(STARTS + (<usize>i << 2));
  return rankOf(p + <usize>from, load<u32>(STARTS + (<usize>(i + 2) << 2)) - from);
}

/** Tokens of the piece p..p+n (at most LONG_CHUNK bytes): byte-pair-count.ts mergeAscii. */
export function mergePiece(p: usize, n: u32): u32 {
  if (rankOf(p, n) != NONE) return 1;
  let parts = n;
  for (let i: u32 = 0; i <= n; i++) store<u32>(STARTS + (<usize>i << 2), i);
  for (let i: u32 = 0; i < n; i++) store<u32>(PAIR_RANKS + (<usize>i << 2), rankAt(p, parts, i));
  while (parts > 1) {
    let lowest = NONE;
    let at: i32 = -1;
    for (let i: u32 = 0; i < parts - 1; i++) {
      const r = load<u32>(PAIR_RANKS + (<usize>i << 2));
      if (r < lowest) {
        lowest = r;
        at = <i32>i;
      }
    }
    if (at < 0) break;
    const a = <u32>at;
    // Merge parts `a` and `a + 1`.
    memory.copy(
      STARTS + (<usize>(a + 1) << 2),
      STARTS + (<usize>(a + 2) << 2),
      <usize>(parts + 1 - (a + 2)) << 2,
    );
    memory.copy(
      PAIR_RANKS + (<usize>a << 2),
      PAIR_RANKS + (<usize>(a + 1) << 2),
      <usize>(parts - (a + 1)) << 2,
    );
    parts--;
    store<u32>(PAIR_RANKS + (<usize>a << 2), rankAt(p, parts, a));
    if (a > 0) store<u32>(PAIR_RANKS + (<usize>(a - 1) << 2), rankAt(p, parts, a - 1));
  }
  return parts;
}

/** Tokens of the chunk p..p+len (byte-pair-count.ts: merged in pieces of LONG_CHUNK). */
export function countChunk(p: usize, len: u32): u32 {
  if (len <= LONG_CHUNK) return mergePiece(p, len);
  let n: u32 = 0;
  for (let from: u32 = 0; from < len; from += LONG_CHUNK) {
    n += mergePiece(p + <usize>from, min(LONG_CHUNK, len - from));
  }
  return n;
}
