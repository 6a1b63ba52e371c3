/**
 * A compact set of the slice ids of one repo folder that remembers where each was first seen.
 *
 * Duplicate detection must remember every id of a folder, so its memory grows with the number
 * of slices of the largest repo; this keeps that growth to 16 bytes per slot (at most 43 per id,
 * just after growing) instead of the ~100 bytes of a Map of strings. Keys are stored as 64-bit fingerprints (two independent
 * 32-bit hashes): two different ids collide with probability 2^-64 per pair, about 3e-8 for a
 * run of a million slices, and a collision would show up as an explained duplicate reject.
 */
import { hashA, hashB } from '../storage/text-fingerprint.ts';

export interface SeenAt {
  readonly source: number;
  readonly lineNo: number;
}

const EMPTY = 0;

export class SeenSliceIds {
  private table: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap * 3 < initialCapacity * 4) cap *= 2;
    this.table = new Uint32Array(cap * 4);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The slot of `key`, or of the empty slot where it would go; and its fingerprint. */
  private probe(key: string): { slot: number; a: number; b: number; found: boolean } {
    const a = hashA(key);
    let b = hashB(key);
    if (a === EMPTY && b === EMPTY) b = 1;
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const ta = this.table[slot * 4]!;
      const tb = this.table[slot * 4 + 1]!;
      if (ta === EMPTY && tb === EMPTY) return { slot, a, b, found: false };
      if (ta === a && tb === b) return { slot, a, b, found: true };
      slot = (slot + 1) & this.mask;
    }
  }

  private at(slot: number): SeenAt {
    return { source: this.table[slot * 4 + 2]!, lineNo: this.table[slot * 4 + 3]! };
  }

  /**
   * Records `key` as seen at `at`, unless it was seen before: then returns where it was first
   * seen and records nothing.
   */
  add(key: string, at: SeenAt): SeenAt | undefined {
    const { slot, a, b, found } = this.probe(key);
    if (found) return this.at(slot);
    this.table.set([a, b, at.source, at.lineNo], slot * 4);
    this.count++;
    // Grow at 3/4 load: linear probing stays short, memory stays at 16-21 bytes per id.
    if (this.count * 4 > (this.mask + 1) * 3) this.grow();
    return undefined;
  }

  /** Records `key` as seen at `at` from now on, whether it was seen before or not. */
  set(key: string, at: SeenAt): void {
    const { slot, found } = this.probe(key);
    if (!found) {
      this.add(key, at);
      return;
    }
    this.table[slot * 4 + 2] = at.source;
    this.table[slot * 4 + 3] = at.lineNo;
  }

  /** Where `key` was first seen, or undefined. */
  get(key: string): SeenAt | undefined {
    const { slot, found } = this.probe(key);
    return found ? this.at(slot) : undefined;
  }

  private grow(): void {
    const old = this.table;
    const cap = (this.mask + 1) * 2;
    this.table = new Uint32Array(cap * 4);
    this.mask = cap - 1;
    for (let i = 0; i < old.length; i += 4) {
      const a = old[i]!;
      const b = old[i + 1]!;
      if (a === EMPTY && b === EMPTY) continue;
      let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
      while (this.table[slot * 4] !== EMPTY || this.table[slot * 4 + 1] !== EMPTY) {
        slot = (slot + 1) & this.mask;
      }
      this.table.set(old.subarray(i, i + 4), slot * 4);
    }
  }
}
