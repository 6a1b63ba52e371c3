/**
 * A bounded cache from text chunks to their token counts that looks a chunk up where it lies in
 * the text: the chunk is hashed and compared in place (charCodeAt), so a hit allocates nothing.
 * (A Map would need the chunk as a new string, then hash it: twice the cost per chunk.)
 *
 * Open addressing with linear probing; when half full, the table is emptied and refilled, so its
 * memory is fixed (about 20 bytes a slot plus the cached chunk strings).
 */

export class ChunkCountCache {
  private keys: (string | undefined)[];
  private readonly hashes: Int32Array;
  private readonly counts: Int32Array;
  private readonly mask: number;
  private used = 0;
  private readonly countChunk: (chunk: string) => number;

  constructor(slotsLog2: number, countChunk: (chunk: string) => number) {
    this.countChunk = countChunk;
    const size = 1 << slotsLog2;
    this.keys = new Array<string | undefined>(size);
    this.hashes = new Int32Array(size);
    this.counts = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Token count of `text.slice(from, to)`. */
  count(text: string, from: number, to: number): number {
    let h = 0x811c9dc5 | 0;
    for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    const len = to - from;
    let slot = h & this.mask;
    for (;;) {
      const key = this.keys[slot];
      if (key === undefined) break;
      if (this.hashes[slot] === h && key.length === len) {
        let same = true;
        for (let i = 0; i < len; i++) {
          if (key.charCodeAt(i) !== text.charCodeAt(from + i)) {
            same = false;
            break;
          }
        }
        if (same) return this.counts[slot]!;
      }
      slot = (slot + 1) & this.mask;
    }
    const chunk = text.slice(from, to);
    const n = this.countChunk(chunk);
    if (this.used * 2 >= this.mask + 1) {
      this.keys = new Array<string | undefined>(this.mask + 1);
      this.used = 0;
      slot = h & this.mask;
    }
    this.keys[slot] = chunk;
    this.hashes[slot] = h;
    this.counts[slot] = n;
    this.used++;
    return n;
  }
}
