/**
 * One permutation hashing with optimal densification over a code's shingle hashes, as
 * src/domain/minhash.ts signatureOf makes it: each shingle of 4 tokens hashed once, into one of
 * 128 slots, keeping the least value a slot sees; an empty slot takes the value of the full slot
 * that a fixed sequence of hashes of its own number first hits.
 */
import { DENSIFY, DENSIFY_TRIES, densifyAt, FILLED, mix } from './fingerprint-tables';

const SLOTS: u32 = 128;

/** The signature of the `n` shingle hashes at `hashes` (n >= 4), written at `sig`. */
export function signatureOf(hashes: usize, n: u32, sig: usize): void {
  for (let s: usize = 0; s < <usize>SLOTS; s++) store<u32>(sig + (s << 2), 0xffffffff);
  // The shingle's four token hashes slide along in locals: one load a shingle.
  let t0 = load<u32>(hashes);
  let t1 = load<u32>(hashes, 4);
  let t2 = load<u32>(hashes, 8);
  const end = hashes + (<usize>n << 2);
  for (let p = hashes + 12; p < end; p += 4) {
    const t3 = load<u32>(p);
    const h = mix(t0 * 0x2545f491 + t1 * 0x9e3779b1 + t2 * 0x85ebca77 + t3 * 0xc2b2ae3d);
    t0 = t1;
    t1 = t2;
    t2 = t3;
    // The least value a slot sees, without a branch (which the first values of a slot mispredict).
    const at = sig + (<usize>(h & (SLOTS - 1)) << 2);
    store<u32>(at, min<u32>(h >>> 7, load<u32>(at)));
  }
  // A value is below 2^25: a slot still at 0xffffffff saw no shingle.
  let empty: u32 = 0;
  for (let s: u32 = 0; s < SLOTS; s++) {
    const filled = load<u32>(sig + (<usize>s << 2)) != 0xffffffff;
    store<u8>(FILLED + <usize>s, <u8>filled);
    if (!filled) empty++;
  }
  if (empty == 0) return;
  for (let s: u32 = 0; s < SLOTS; s++) {
    if (load<u8>(FILLED + <usize>s) == 1) continue;
    let from: i32 = -1;
    for (let a: u32 = 0; a < DENSIFY_TRIES && from < 0; a++) {
      const j = <u32>load<u8>(DENSIFY + <usize>(s * DENSIFY_TRIES + a));
      if (load<u8>(FILLED + <usize>j) == 1) from = <i32>j;
    }
    for (let a: u32 = DENSIFY_TRIES + 1; from < 0; a++) {
      const j = densifyAt(s, a);
      if (load<u8>(FILLED + <usize>j) == 1) from = <i32>j;
    }
    store<u32>(sig + (<usize>s << 2), load<u32>(sig + (<usize>from << 2)));
  }
}
