/**
 * One open-addressing hash table over 64-bit key fingerprints, with a fixed number of 32-bit
 * payload words per slot, all in one Uint32Array: the store under the compact tables that must
 * hold millions of keys (the compiler's ResultIndex, the ledger's usable fates, conversion's
 * SeenSliceIds). Pure.
 *
 * A key is kept as its fingerprint (text-fingerprint.ts: two independent 32-bit hashes, never
 * both 0, which marks an empty slot), not as a string: (2 + payload) × 4 bytes per slot instead
 * of ~150 bytes per entry of a Map of strings. Two keys share a fingerprint with probability
 * 2^-64 per pair. The table is kept at most 3/4 full (linear probing), doubling when it would be
 * fuller; a slot number stays valid until the next insertion of a new key.
 */
import { hashA, hashB } from './text-fingerprint.ts';

const MIN_SLOTS = 16;

/** The number of slots (a power of two) that holds `expected` keys at most 3/4 full. */
function slotsFor(expected: number): number {
  let cap = MIN_SLOTS;
  while (cap * 3 < expected * 4) cap *= 2;
  return cap;
}

export class FingerprintTable {
  private readonly stride: number;
  private table: Uint32Array;
  private mask: number;
  private count = 0;
  /**
   * The last key fingerprinted and its fingerprint: a look-up and then an insertion of the same
   * key (conversion's triage of each slice id) hash it once.
   */
  private lastKey: string | undefined;
  private lastA = 0;
  private lastB = 0;

  /** `payloadWords` 32-bit words per key; room for `expected` keys before the first growth. */
  constructor(payloadWords: number, expected = 0) {
    this.stride = 2 + payloadWords;
    const cap = slotsFor(expected);
    this.table = new Uint32Array(cap * this.stride);
    this.mask = cap - 1;
  }

  /** Keys held. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.byteLength;
  }

  /**
   * Empties the table, with room for `expected` keys: the array is reused when large enough (no
   * dead tables for the garbage collector), and sized once otherwise (no growth while it fills,
   * when the expectation holds).
   */
  reset(expected = 0): void {
    const cap = slotsFor(expected);
    if (cap > this.mask + 1) this.resize(cap);
    else this.table.fill(0);
    this.count = 0;
  }

  /** Empties the table and gives its memory back. */
  release(): void {
    this.resize(MIN_SLOTS);
    this.count = 0;
  }

  /** The slot of `key`, or -1. */
  find(key: string): number {
    this.fingerprint(key);
    const a = this.lastA;
    const b = this.lastB;
    const slot = this.probe(a, b);
    return this.table[slot * this.stride] === a && this.table[slot * this.stride + 1] === b
      ? slot
      : -1;
  }

  /**
   * The slot of `key`, taken for it (its payload all 0) when it was not there: `added` says
   * which. The table grows before it would be more than 3/4 full.
   */
  insert(key: string): { slot: number; added: boolean } {
    this.fingerprint(key);
    const a = this.lastA;
    const b = this.lastB;
    let slot = this.probe(a, b);
    const at = slot * this.stride;
    if (this.table[at] === a && this.table[at + 1] === b) return { slot, added: false };
    if ((this.count + 1) * 4 > (this.mask + 1) * 3) {
      this.grow();
      slot = this.probe(a, b);
    }
    this.table[slot * this.stride] = a;
    this.table[slot * this.stride + 1] = b;
    this.count++;
    return { slot, added: true };
  }

  /** Payload word `i` of `slot`. */
  word(slot: number, i: number): number {
    return this.table[slot * this.stride + 2 + i]!;
  }

  setWord(slot: number, i: number, value: number): void {
    this.table[slot * this.stride + 2 + i] = value >>> 0;
  }

  /** The slots of every key, in table order. */
  *slots(): Generator<number> {
    for (let slot = 0; slot <= this.mask; slot++) {
      const at = slot * this.stride;
      if (this.table[at] !== 0 || this.table[at + 1] !== 0) yield slot;
    }
  }

  /** The key's 64-bit fingerprint into lastA and lastB, never (0, 0): that marks an empty slot. */
  private fingerprint(key: string): void {
    if (key === this.lastKey) return;
    const a = hashA(key);
    const b = hashB(key);
    this.lastKey = key;
    this.lastA = a;
    this.lastB = a === 0 && b === 0 ? 1 : b;
  }

  /** The slot holding fingerprint (a, b), or the empty slot where it would go. */
  private probe(a: number, b: number): number {
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const at = slot * this.stride;
      const ta = this.table[at]!;
      const tb = this.table[at + 1]!;
      if ((ta === 0 && tb === 0) || (ta === a && tb === b)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.table;
    this.resize((this.mask + 1) * 2);
    for (let i = 0; i < old.length; i += this.stride) {
      const a = old[i]!;
      const b = old[i + 1]!;
      if (a === 0 && b === 0) continue;
      this.table.set(old.subarray(i, i + this.stride), this.probe(a, b) * this.stride);
    }
  }

  private resize(cap: number): void {
    this.table = new Uint32Array(cap * this.stride);
    this.mask = cap - 1;
  }
}
