/**
 * A Bloom filter over keys given as two 32-bit hashes: `has` is never false for a key that was
 * added, and true for one that was not with a probability of about 0.6^(bits per key) (under
 * 1 % at 10 bits per key). Pure; its memory is fixed when it is made.
 *
 * The probes are derived from the two hashes (h1 + i * h2, Kirsch and Mitzenmacher), so a key
 * costs no more hashing than it came with.
 */

/** Bits per key the filter is made for. */
export const BITS_PER_KEY = 10;
/** Probes per key: the best for 10 bits per key (ln 2 * 10, rounded). */
const PROBES = 7;

export interface BloomFilter {
  /** How many keys it was made for; beyond that false positives grow. */
  readonly capacity: number;
  /** Keys added so far. */
  readonly size: number;
  add(h1: number, h2: number): void;
  has(h1: number, h2: number): boolean;
}

export function bloomFilter(capacity: number): BloomFilter {
  // A power of two of bits, at least BITS_PER_KEY per key of the capacity.
  let bits = 1 << 10;
  while (bits < capacity * BITS_PER_KEY && bits < 2 ** 31) bits *= 2;
  const words = new Int32Array(bits >>> 5);
  const mask = bits - 1;
  let size = 0;
  return {
    capacity,
    get size() {
      return size;
    },
    add(h1, h2) {
      size++;
      const step = h2 | 1; // odd: the probes never repeat
      for (let i = 0, h = h1; i < PROBES; i++, h = (h + step) | 0) {
        const bit = h & mask;
        words[bit >>> 5]! |= 1 << (bit & 31);
      }
    },
    has(h1, h2) {
      const step = h2 | 1;
      for (let i = 0, h = h1; i < PROBES; i++, h = (h + step) | 0) {
        const bit = h & mask;
        if ((words[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
      }
      return true;
    },
  };
}
