/**
 * MinHash signatures of a slice's token shingles and their LSH band keys (code-fingerprint.ts
 * says what the shingles are). Pure.
 *
 * One permutation hashing: each shingle hashed once, into one of SLOTS slots, keeping the
 * least value a slot sees. Optimal densification (Shrivastava 2017): an empty slot takes the
 * value of the full slot that a fixed sequence of hashes of its own number first hits, which
 * keeps the slots of short slices as independent as those of long ones. The first
 * BANDS * ROWS slots are cut into BANDS bands of ROWS slots for locality-sensitive hashing.
 */

export const SLOTS = 128;
export const BANDS = 20;
export const ROWS = 6;
/** Tokens per shingle. */
export const SHINGLE = 4;

/** A 32-bit finaliser (murmur3's): spreads the bits of a combined hash. */
export function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Signatures are cut from slabs: one backing store for many, not one each.
const SLAB_SIGNATURES = 512;
let slab = new Uint32Array(SLOTS * SLAB_SIGNATURES);
let slabUsed = 0;
export function newSignature(): Uint32Array {
  if (slabUsed === SLAB_SIGNATURES) {
    slab = new Uint32Array(SLOTS * SLAB_SIGNATURES);
    slabUsed = 0;
  }
  const sig = slab.subarray(slabUsed * SLOTS, (slabUsed + 1) * SLOTS);
  slabUsed++;
  return sig;
}

// For each slot, the first DENSIFY_TRIES slots an empty one looks at, in order (further ones,
// rarely needed, are worked out as they are).
const DENSIFY_TRIES = 32;
const densifyAt = (slot: number, attempt: number): number =>
  mix(Math.imul(slot + 1, 0x9e3779b1) ^ Math.imul(attempt, 0x85ebca77)) & (SLOTS - 1);
const DENSIFY = new Uint8Array(SLOTS * DENSIFY_TRIES);
for (let s = 0; s < SLOTS; s++) {
  for (let a = 0; a < DENSIFY_TRIES; a++) DENSIFY[s * DENSIFY_TRIES + a] = densifyAt(s, a + 1);
}
const filled = new Uint8Array(SLOTS);

/** One permutation hashing with optimal densification over the shingles of `hashes`. */
export function signatureOf(hashes: Int32Array, n: number, out: Uint32Array): Uint32Array {
  const sig = out.fill(0xffffffff);
  filled.fill(0);
  const last = n - SHINGLE;
  for (let i = 0; i <= last; i++) {
    const h = mix(
      (Math.imul(hashes[i]!, 0x2545f491) +
        Math.imul(hashes[i + 1]!, 0x9e3779b1) +
        Math.imul(hashes[i + 2]!, 0x85ebca77) +
        Math.imul(hashes[i + 3]!, 0xc2b2ae3d)) |
        0,
    );
    const slot = h & (SLOTS - 1);
    const value = h >>> 7;
    if (value < sig[slot]!) sig[slot] = value;
    filled[slot] = 1;
  }
  for (let s = 0; s < SLOTS; s++) {
    if (filled[s] === 1) continue;
    let from = -1;
    for (let a = 0; a < DENSIFY_TRIES && from < 0; a++) {
      const j = DENSIFY[s * DENSIFY_TRIES + a]!;
      if (filled[j] === 1) from = j;
    }
    for (let a = DENSIFY_TRIES + 1; from < 0; a++) {
      const j = densifyAt(s, a);
      if (filled[j] === 1) from = j;
    }
    sig[s] = sig[from]!;
  }
  return sig;
}

/** The share of equal slots of two signatures: the estimate of their Jaccard similarity. */
export function similarity(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < SLOTS; i++) if (a[i] === b[i]) same++;
  return same / SLOTS;
}

/** The LSH keys of a signature, one per band: a 32-bit hash of the band's number and slots. */
export function bandKeys(sig: Uint32Array, out = new Uint32Array(BANDS)): Uint32Array {
  for (let b = 0; b < BANDS; b++) {
    let h = 0x811c9dc5 ^ b;
    for (let r = 0; r < ROWS; r++) h = mix(h ^ sig[b * ROWS + r]!);
    out[b] = h;
  }
  return out;
}
