/**
 * The fixed tables of the fingerprint module (code-fingerprint.ts): the character classes of
 * ASCII (src/domain/code-tokens.ts), the keywords by their two token hashes
 * (src/domain/code-fingerprint.ts KEYWORDS, written by JavaScript), the densification order
 * (src/domain/minhash.ts DENSIFY), and the 32-bit finaliser.
 */

export const SPACE: u32 = 1;
export const NAME_START: u32 = 2;
export const DIGIT: u32 = 4;
/** `$`: a name character for the `//` languages only. */
export const DOLLAR: u32 = 8;

/** The class of each ASCII code (128 bytes). */
const CLASS: usize = 65536;
/** The keywords: 256 slots of 16 bytes (used, h1, h2). */
const KEYWORDS: usize = CLASS + 256;
const KEYWORD_SLOTS: u32 = 256;
/** For each slot, the first DENSIFY_TRIES slots an empty one looks at. */
export const DENSIFY: usize = KEYWORDS + (<usize>KEYWORD_SLOTS << 4);
export const DENSIFY_TRIES: u32 = 32;
/** A byte a slot: whether a shingle fell in it. */
export const FILLED: usize = DENSIFY + 128 * 32;

/** murmur3's 32-bit finaliser (src/domain/minhash.ts mix). */
@inline
export function mix(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

@inline
export function cls(c: u32): u32 {
  return <u32>load<u8>(CLASS + <usize>(c & 127));
}

/** The slot an empty slot `slot` looks at on attempt `attempt` (minhash.ts densifyAt). */
export function densifyAt(slot: u32, attempt: u32): u32 {
  return mix(((slot + 1) * 0x9e3779b1) ^ (attempt * 0x85ebca77)) & 127;
}

export function fillTables(): void {
  memory.fill(CLASS, 0, 128);
  store<u8>(CLASS + 9, <u8>SPACE);
  store<u8>(CLASS + 10, <u8>SPACE);
  store<u8>(CLASS + 11, <u8>SPACE);
  store<u8>(CLASS + 12, <u8>SPACE);
  store<u8>(CLASS + 13, <u8>SPACE);
  store<u8>(CLASS + 32, <u8>SPACE);
  for (let c: usize = 65; c <= 90; c++) store<u8>(CLASS + c, <u8>NAME_START);
  for (let c: usize = 97; c <= 122; c++) store<u8>(CLASS + c, <u8>NAME_START);
  store<u8>(CLASS + 95, <u8>NAME_START);
  for (let c: usize = 48; c <= 57; c++) store<u8>(CLASS + c, <u8>DIGIT);
  store<u8>(CLASS + 36, <u8>DOLLAR);
  memory.fill(KEYWORDS, 0, <usize>KEYWORD_SLOTS << 4);
  for (let s: u32 = 0; s < 128; s++) {
    for (let a: u32 = 0; a < DENSIFY_TRIES; a++) {
      store<u8>(DENSIFY + <usize>(s * DENSIFY_TRIES + a), <u8>densifyAt(s, a + 1));
    }
  }
}

/** Adds the keyword at p[0, length) (its bytes hashed as a name is). */
export function addKeyword(p: usize, length: u32): void {
  let h1: u32 = 0x811c9dc5;
  let h2: u32 = 0x3c6ef372;
  for (let i: usize = 0; i < <usize>length; i++) {
    const c = <u32>load<u8>(p + i);
    h1 = (h1 ^ c) * 0x01000193;
    h2 = h2 * 31 + c;
  }
  let i = h1 & (KEYWORD_SLOTS - 1);
  while (load<u32>(KEYWORDS + (<usize>i << 4)) == 1) i = (i + 1) & (KEYWORD_SLOTS - 1);
  const e = KEYWORDS + (<usize>i << 4);
  store<u32>(e, 1);
  store<u32>(e, h1, 4);
  store<u32>(e, h2, 8);
}

@inline
export function isKeyword(h1: u32, h2: u32): bool {
  let i = h1 & (KEYWORD_SLOTS - 1);
  while (true) {
    const e = KEYWORDS + (<usize>i << 4);
    if (load<u32>(e) != 1) return false;
    if (load<u32>(e, 4) == h1 && load<u32>(e, 8) == h2) return true;
    i = (i + 1) & (KEYWORD_SLOTS - 1);
  }
}
