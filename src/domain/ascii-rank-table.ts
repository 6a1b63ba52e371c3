/**
 * The ranks of a tokenizer's ASCII tokens, looked up where a piece of text lies: the characters
 * `text[from..to)` are hashed and compared in place, so a look-up allocates nothing. (The
 * library's own table is a Map from strings: every candidate pair of a merge had to be sliced out
 * as a new string and hashed again, and on real code those look-ups were most of the counting
 * time of cache misses.)
 *
 * Open addressing with linear probing, at most half full; built once from the token list.
 * o200k has 128,835 ASCII tokens of 811,083 characters in all: about 4 MB here.
 */

const EMPTY = -1;

export interface AsciiRankTable {
  /** The rank of the token `text.slice(from, to)` (ASCII characters), -1 when it is none. */
  rankOf(text: string, from: number, to: number): number;
}

function hashOf(text: string, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** A table of the tokens of `decoder` (rank → token text, or bytes) that are all ASCII. */
export function createAsciiRankTable(decoder: readonly unknown[]): AsciiRankTable {
  let count = 0;
  let chars = 0;
  const isAscii = (s: string): boolean => {
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
    return true;
  };
  decoder.forEach((token) => {
    if (typeof token === 'string' && token.length > 0 && isAscii(token)) {
      count++;
      chars += token.length;
    }
  });
  let bits = 4;
  while (1 << bits < count * 2) bits++;
  const mask = (1 << bits) - 1;
  const slots = new Int32Array(1 << bits).fill(EMPTY);
  const slotHashes = new Int32Array(1 << bits);
  const starts = new Int32Array(count + 1);
  const ranks = new Int32Array(count);
  const store = new Uint8Array(chars);
  let entry = 0;
  let used = 0;
  decoder.forEach((token, rank) => {
    if (typeof token !== 'string' || token.length === 0 || !isAscii(token)) return;
    starts[entry] = used;
    for (let i = 0; i < token.length; i++) store[used++] = token.charCodeAt(i);
    ranks[entry] = rank;
    const h = hashOf(token, 0, token.length);
    let slot = h & mask;
    while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
    slots[slot] = entry;
    slotHashes[slot] = h;
    entry++;
  });
  starts[entry] = used;

  return {
    rankOf(text, from, to) {
      const h = hashOf(text, from, to);
      const len = to - from;
      for (let slot = h & mask; ; slot = (slot + 1) & mask) {
        const e = slots[slot]!;
        if (e === EMPTY) return -1;
        if (slotHashes[slot] !== h) continue;
        const at = starts[e]!;
        if (starts[e + 1]! - at !== len) continue;
        let same = true;
        for (let i = 0; i < len; i++) {
          if (store[at + i] !== text.charCodeAt(from + i)) {
            same = false;
            break;
          }
        }
        if (same) return ranks[e]!;
      }
    },
  };
}
