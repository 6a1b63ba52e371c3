/**
 * A compact set of the slice ids of one repo folder that remembers where each was first seen.
 *
 * Duplicate detection must remember every id of a folder, so its memory grows with the number
 * of slices of the largest repo; this keeps that growth to 16 bytes per slot (at most 43 per id,
 * just after growing) instead of the ~100 bytes of a Map of strings, in a FingerprintTable
 * (storage/fingerprint-table.ts). Keys are stored as 64-bit fingerprints (two independent
 * 32-bit hashes): two different ids collide with probability 2^-64 per pair, about 3e-8 for a
 * run of a million slices, and a collision would show up as an explained duplicate reject.
 */
import { FingerprintTable } from '../storage/fingerprint-table.ts';

export interface SeenAt {
  readonly source: number;
  readonly lineNo: number;
}

/** Payload words: where the id was first seen. */
const SOURCE = 0;
const LINE = 1;

export class SeenSliceIds {
  private readonly table: FingerprintTable;

  constructor(initialCapacity = 1024) {
    this.table = new FingerprintTable(2, initialCapacity);
  }

  get size(): number {
    return this.table.size;
  }

  private write(slot: number, at: SeenAt): void {
    this.table.setWord(slot, SOURCE, at.source);
    this.table.setWord(slot, LINE, at.lineNo);
  }

  private at(slot: number): SeenAt {
    return { source: this.table.word(slot, SOURCE), lineNo: this.table.word(slot, LINE) };
  }

  /**
   * Records `key` as seen at `at`, unless it was seen before: then returns where it was first
   * seen and records nothing.
   */
  add(key: string, at: SeenAt): SeenAt | undefined {
    const { slot, added } = this.table.insert(key);
    if (!added) return this.at(slot);
    this.write(slot, at);
    return undefined;
  }

  /** Records `key` as seen at `at` from now on, whether it was seen before or not. */
  set(key: string, at: SeenAt): void {
    this.write(this.table.insert(key).slot, at);
  }

  /** Where `key` was first seen, or undefined. */
  get(key: string): SeenAt | undefined {
    const slot = this.table.find(key);
    return slot === -1 ? undefined : this.at(slot);
  }
}
