/**
 * A compact index of one repo folder: base custom_id → where its latest result line is (a
 * results file, byte offset and length), or which unfinished batch input file holds its latest
 * request. Pure.
 *
 * It holds an entry per result line and per unfinished request of one repo folder, so it is
 * kept to 24 bytes per slot (32 to 64 bytes per entry with the free slots of an open-addressing
 * table at most 3/4 full) in a FingerprintTable (storage/fingerprint-table.ts) instead of ~150
 * bytes per entry of a Map of strings. Keys are stored as 64-bit fingerprints: two keys collide
 * with probability 2^-64 per pair; the compiler checks the custom_id of every line it reads
 * back, so a collision can only hide a result, never give a slice another one's.
 *
 * Slot layout (6 words): the fingerprint's two, meta, offset low 32 bits, offset high bits,
 * length. meta: file number (bits 0-23), attempt (bits 24-30, capped at 127), used flag
 * (bit 31: a slice took this result, so a second line with the same id is a duplicate).
 */

import { FingerprintTable } from '../storage/fingerprint-table.ts';

/** Payload words (after the fingerprint's two): meta, offset low, offset high, length. */
const META = 0;
const OFFSET_LOW = 1;
const OFFSET_HIGH = 2;
const LENGTH = 3;
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
  private readonly table: FingerprintTable;

  constructor(initialCapacity = 1024) {
    this.table = new FingerprintTable(4, initialCapacity);
  }

  get size(): number {
    return this.table.size;
  }

  /**
   * Empties the index for another repo folder, with room for `expected` entries: the table is
   * reused when large enough (so that compiling folder after folder leaves no dead tables for
   * the garbage collector), and sized once otherwise (no growth while it fills, when the
   * expectation holds).
   */
  reset(expected = 0): void {
    this.table.reset(expected);
  }

  /** Empties the index and gives its memory back. */
  release(): void {
    this.table.release();
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.bytes;
  }

  /**
   * Records where `key`'s line is, unless an entry of a later attempt is there already (for the
   * same attempt the first entry stays: results are indexed before unfinished requests).
   */
  put(key: string, file: number, attempt: number, offset = 0, length = 0): void {
    if (file < 0 || file > FILE_MASK) throw new RangeError(`file number ${file} out of range`);
    const { slot, added } = this.table.insert(key);
    const capped = Math.min(Math.max(attempt, 1), ATTEMPT_MASK);
    if (!added) {
      const have = (this.table.word(slot, META) >>> ATTEMPT_SHIFT) & ATTEMPT_MASK;
      if (have >= capped) return;
    }
    this.table.setWord(slot, META, file | (capped << ATTEMPT_SHIFT));
    this.table.setWord(slot, OFFSET_LOW, offset % TWO_32);
    this.table.setWord(slot, OFFSET_HIGH, Math.floor(offset / TWO_32));
    this.table.setWord(slot, LENGTH, length);
  }

  /** The slot of `key`, or -1. */
  find(key: string): number {
    return this.table.find(key);
  }

  entry(slot: number): IndexEntry {
    const meta = this.table.word(slot, META);
    return {
      file: meta & FILE_MASK,
      attempt: (meta >>> ATTEMPT_SHIFT) & ATTEMPT_MASK,
      offset: this.table.word(slot, OFFSET_HIGH) * TWO_32 + this.table.word(slot, OFFSET_LOW),
      length: this.table.word(slot, LENGTH),
      used: (meta & USED) !== 0,
    };
  }

  markUsed(slot: number): void {
    this.table.setWord(slot, META, this.table.word(slot, META) | USED);
  }

  /** The slots of every entry, in table order. */
  slots(): Generator<number> {
    return this.table.slots();
  }
}
