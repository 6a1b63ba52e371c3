/**
 * A bounded cache from text chunks to their token counts that looks a chunk up where it lies in
 * the text: the chunk is hashed and compared in place (charCodeAt), so a hit allocates nothing.
 * (A Map would need the chunk as a new string, then hash it: twice the cost per chunk.)
 *
 * The cached chunks' characters are copied into one fixed array, not kept as strings: a slice
 * of a long text can be a view that keeps the whole text alive, so a cache of strings could hold
 * on to texts long gone.
 *
 * Open addressing with linear probing; when half full (or its character store is), the table is
 * emptied and refilled, so its memory is fixed: about 14 bytes a slot plus 2 bytes a stored
 * character.
 */

export class ChunkCountCache {
  /** Where each slot's chunk starts in `chars`, -1 for an empty slot. */
  private readonly offsets: Int32Array;
  private readonly lengths: Uint16Array;
  private readonly hashes: Int32Array;
  private readonly counts: Int32Array;
  private readonly chars: Uint16Array;
  private charsUsed = 0;
  private readonly mask: number;
  private used = 0;
  private readonly countChunk: (chunk: string) => number;
  /** Chunks longer than this are counted every time (they rarely repeat). */
  readonly maxChunk: number;

  constructor(slotsLog2: number, countChunk: (chunk: string) => number, maxChunk = 128) {
    this.countChunk = countChunk;
    this.maxChunk = maxChunk;
    const size = 1 << slotsLog2;
    this.offsets = new Int32Array(size).fill(-1);
    this.lengths = new Uint16Array(size);
    this.hashes = new Int32Array(size);
    this.counts = new Int32Array(size);
    // Half the slots at 16 characters each on average before the table is emptied.
    this.chars = new Uint16Array(size * 8);
    this.mask = size - 1;
  }

  /** Token count of `text.slice(from, to)`. */
  count(text: string, from: number, to: number): number {
    const len = to - from;
    if (len > this.maxChunk) return this.countChunk(text.slice(from, to));
    let h = 0x811c9dc5 | 0;
    for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    const { offsets, chars } = this;
    let slot = h & this.mask;
    for (;;) {
      const at = offsets[slot]!;
      if (at < 0) break;
      if (this.hashes[slot] === h && this.lengths[slot] === len) {
        let same = true;
        for (let i = 0; i < len; i++) {
          if (chars[at + i] !== text.charCodeAt(from + i)) {
            same = false;
            break;
          }
        }
        if (same) return this.counts[slot]!;
      }
      slot = (slot + 1) & this.mask;
    }
    const n = this.countChunk(text.slice(from, to));
    if (this.used * 2 >= this.mask + 1 || this.charsUsed + len > chars.length) {
      offsets.fill(-1);
      this.used = 0;
      this.charsUsed = 0;
      slot = h & this.mask;
    }
    const at = this.charsUsed;
    for (let i = 0; i < len; i++) chars[at + i] = text.charCodeAt(from + i);
    this.charsUsed += len;
    offsets[slot] = at;
    this.lengths[slot] = len;
    this.hashes[slot] = h;
    this.counts[slot] = n;
    this.used++;
    return n;
  }
}
