/**
 * A direct-mapped table in front of the chunk cache for short Latin-1 chunks (3 to 12
 * characters: most chunks of code). A chunk's characters are packed 4 to a 32-bit number as it
 * is hashed, and an entry holds them packed, so a look-up is one hash, one slot of 16 bytes and
 * four comparisons, in a table of 1 MB (65,536 slots: the size measured fastest on real code,
 * docs/performance-history.md; 8,192 left three times as many chunks to the chunk cache, whose
 * megabytes of slots and characters cost a cache miss or two a look-up).
 *
 * An entry is replaced by the next chunk that maps to its slot. Pure.
 */

/** Numbers a slot: characters 0-3, 4-7 and 8-11 packed, then length | count << 8. */
const SLOT = 4;
/** Longest chunk the table holds. */
export const HOT_MAX = 12;

export class HotChunkTable {
  private readonly table: Int32Array;
  private readonly mask: number;

  constructor(slotsLog2: number) {
    this.table = new Int32Array(SLOT << slotsLog2);
    this.mask = ((1 << slotsLog2) - 1) * SLOT;
  }

  /**
   * Token count of `text.slice(from, to)` (3 to HOT_MAX characters), from the table, else from
   * `count` (then kept). Chunks with a character beyond Latin-1 go to `count` every time.
   */
  count(
    text: string,
    from: number,
    to: number,
    miss: (text: string, from: number, to: number) => number,
  ): number {
    let k0 = 0;
    let k1 = 0;
    let k2 = 0;
    let wide = 0;
    let i = from;
    for (let s = 0; i < to && s < 32; i++, s += 8) {
      const c = text.charCodeAt(i);
      wide |= c;
      k0 |= c << s;
    }
    for (let s = 0; i < to && s < 32; i++, s += 8) {
      const c = text.charCodeAt(i);
      wide |= c;
      k1 |= c << s;
    }
    for (let s = 0; i < to; i++, s += 8) {
      const c = text.charCodeAt(i);
      wide |= c;
      k2 |= c << s;
    }
    if (wide > 255) return miss(text, from, to);
    const len = to - from;
    let h = Math.imul(k0 ^ len, 0x9e3779b1);
    h = Math.imul(h ^ k1 ^ (h >>> 15), 0x85ebca77);
    h = Math.imul(h ^ k2 ^ (h >>> 13), 0xc2b2ae3d);
    h ^= h >>> 16;
    const t = this.table;
    const slot = (h * SLOT) & this.mask;
    const lc = t[slot + 3]!;
    if (t[slot] === k0 && t[slot + 1] === k1 && t[slot + 2] === k2 && (lc & 255) === len) {
      return lc >> 8;
    }
    const n = miss(text, from, to);
    t[slot] = k0;
    t[slot + 1] = k1;
    t[slot + 2] = k2;
    t[slot + 3] = len | (n << 8);
    return n;
  }
}
