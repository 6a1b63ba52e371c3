/**
 * The ranks of a tokenizer's tokens, looked up where a piece of text lies: the characters
 * `text[from..to)`, each one byte (an ASCII piece, or the one-byte string of a piece's UTF-8
 * bytes: utf8-pair-count.ts), are hashed and compared in place with the tokens' bytes, so a
 * look-up allocates nothing. (The library's own table is a Map from strings: every candidate
 * pair of a merge had to be sliced out as a new string and hashed again, and on real code those
 * look-ups were most of the counting time of cache misses.)
 *
 * Open addressing with linear probing, at most half full; built once from the token list
 * (token-list.ts), in rank order, so that of two tokens with the same bytes the lower rank is
 * found, as the library finds it. o200k: 199,997 tokens in 524,288 slots, 4 MB here.
 */
import type { TokenList } from './token-list.ts';

const EMPTY = -1;

export interface ByteRankTable {
  /** The rank of the token with the bytes `text[from..to)` (one byte a character), else -1. */
  rankOf(text: string, from: number, to: number): number;
}

function hashOfBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

function hashOf(text: string, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

export function createByteRankTable(list: TokenList): ByteRankTable {
  const { starts, bytes } = list;
  let count = 0;
  for (let rank = 0; rank < list.count; rank++) if (starts[rank + 1]! > starts[rank]!) count++;
  let bits = 4;
  while (1 << bits < count * 2) bits++;
  const mask = (1 << bits) - 1;
  const slots = new Int32Array(1 << bits).fill(EMPTY);
  const slotHashes = new Int32Array(1 << bits);
  for (let rank = 0; rank < list.count; rank++) {
    const at = starts[rank]!;
    const end = starts[rank + 1]!;
    if (end === at) continue;
    const h = hashOfBytes(bytes, at, end);
    let slot = h & mask;
    while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
    slots[slot] = rank;
    slotHashes[slot] = h;
  }

  return {
    rankOf(text, from, to) {
      const h = hashOf(text, from, to);
      const len = to - from;
      for (let slot = h & mask; ; slot = (slot + 1) & mask) {
        const rank = slots[slot]!;
        if (rank === EMPTY) return -1;
        if (slotHashes[slot] !== h) continue;
        const at = starts[rank]!;
        if (starts[rank + 1]! - at !== len) continue;
        let same = true;
        for (let i = 0; i < len; i++) {
          if (bytes[at + i] !== text.charCodeAt(from + i)) {
            same = false;
            break;
          }
        }
        if (same) return rank;
      }
    },
  };
}
