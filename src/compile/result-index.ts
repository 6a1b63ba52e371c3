/**
 * A compact index of one repo folder: base custom_id → where its latest result line is (a
 * results file, byte offset and length), or which unfinished batch input file holds its latest
 * request. Pure.
 *
 * It holds an entry per result line and per unfinished request of one repo folder, so it is
 * kept to 24 bytes per slot (32 to 64 bytes per entry with the free slots of an open-addressing
 * table at most 3/4 full) in one Uint32Array instead of ~150 bytes per entry of a Map of
 * strings. Keys are stored as 64-bit fingerprints (two independent 32-bit hashes): two keys
 * collide with probability 2^-64 per pair; the compiler checks the custom_id of every line it
 * reads back, so a collision can only hide a result, never give a slice another one's.
 *
 * Slot layout (6 words): fingerprint a, fingerprint b, meta, offset low 32 bits, offset high
 * bits, length. meta: file number (bits 0-23), attempt (bits 24-30, capped at 127), used flag
 * (bit 31: a slice took this result, so a second line with the same id is a duplicate).
 */

import { hashA, hashB } from '../storage/text-fingerprint.ts';

const WORDS = 6;
const FILE_MASK = 0x00ff_ffff;
const ATTEMPT_SHIFT = 24;
const ATTEMPT_MASK = 0x7f;
const USED = 0x8000_0000;
const TWO_32 = 0x1_0000_0000;

/** The most files one index can refer to. */
export const MAX_INDEX_FILES = FILE_MASK + 1;

export interface IndexEntry {
  readonly file: number;
  readonly attempt: number;
  readonly offset: number;
  readonly length: number;
  readonly used: boolean;
}

export class ResultIndex {
  private table: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap * 3 < initialCapacity * 4) cap *= 2;
    this.table = new Uint32Array(cap * WORDS);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Empties the index for another repo folder, with room for `expected` entries: the table is
   * reused when large enough (so that compiling folder after folder leaves no dead tables for
   * the garbage collector), and sized once otherwise (no growth while it fills, when the
   * expectation holds).
   */
  reset(expected = 0): void {
    let cap = 16;
    while (cap * 3 < expected * 4) cap *= 2;
    if (cap > this.mask + 1) {
      this.table = new Uint32Array(cap * WORDS);
      this.mask = cap - 1;
    } else {
      this.table.fill(0);
    }
    this.count = 0;
  }

  /** Empties the index and gives its memory back. */
  release(): void {
    this.table = new Uint32Array(16 * WORDS);
    this.mask = 15;
    this.count = 0;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.byteLength;
  }

  private slotOf(a: number, b: number): { slot: number; found: boolean } {
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const at = slot * WORDS;
      const ta = this.table[at]!;
      const tb = this.table[at + 1]!;
      if (ta === 0 && tb === 0) return { slot, found: false };
      if (ta === a && tb === b) return { slot, found: true };
      slot = (slot + 1) & this.mask;
    }
  }

  private static fingerprint(key: string): [number, number] {
    const a = hashA(key);
    let b = hashB(key);
    if (a === 0 && b === 0) b = 1;
    return [a, b];
  }

  /**
   * Records where `key`'s line is, unless an entry of a later attempt is there already (for the
   * same attempt the first entry stays: results are indexed before unfinished requests).
   */
  put(key: string, file: number, attempt: number, offset = 0, length = 0): void {
    if (file < 0 || file > FILE_MASK) throw new RangeError(`file number ${file} out of range`);
    const [a, b] = ResultIndex.fingerprint(key);
    const { slot, found } = this.slotOf(a, b);
    const at = slot * WORDS;
    const capped = Math.min(Math.max(attempt, 1), ATTEMPT_MASK);
    if (found) {
      const have = (this.table[at + 2]! >>> ATTEMPT_SHIFT) & ATTEMPT_MASK;
      if (have >= capped) return;
    } else {
      this.count++;
    }
    this.table[at] = a;
    this.table[at + 1] = b;
    this.table[at + 2] = (file | (capped << ATTEMPT_SHIFT)) >>> 0;
    this.table[at + 3] = offset % TWO_32;
    this.table[at + 4] = Math.floor(offset / TWO_32);
    this.table[at + 5] = length;
    if (!found && this.count * 4 > (this.mask + 1) * 3) this.grow();
  }

  /** The slot of `key`, or -1. */
  find(key: string): number {
    const [a, b] = ResultIndex.fingerprint(key);
    const { slot, found } = this.slotOf(a, b);
    return found ? slot : -1;
  }

  entry(slot: number): IndexEntry {
    const at = slot * WORDS;
    const meta = this.table[at + 2]!;
    return {
      file: meta & FILE_MASK,
      attempt: (meta >>> ATTEMPT_SHIFT) & ATTEMPT_MASK,
      offset: this.table[at + 4]! * TWO_32 + this.table[at + 3]!,
      length: this.table[at + 5]!,
      used: (meta & USED) !== 0,
    };
  }

  markUsed(slot: number): void {
    const at = slot * WORDS + 2;
    this.table[at] = (this.table[at]! | USED) >>> 0;
  }

  /** The slots of every entry, in table order. */
  *slots(): Generator<number> {
    for (let slot = 0; slot <= this.mask; slot++) {
      const at = slot * WORDS;
      if (this.table[at] !== 0 || this.table[at + 1] !== 0) yield slot;
    }
  }

  private grow(): void {
    const old = this.table;
    const cap = (this.mask + 1) * 2;
    this.table = new Uint32Array(cap * WORDS);
    this.mask = cap - 1;
    for (let i = 0; i < old.length; i += WORDS) {
      const a = old[i]!;
      const b = old[i + 1]!;
      if (a === 0 && b === 0) continue;
      const { slot } = this.slotOf(a, b);
      this.table.set(old.subarray(i, i + WORDS), slot * WORDS);
    }
  }
}
