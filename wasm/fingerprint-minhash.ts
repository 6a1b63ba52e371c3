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
  memory.fill(FILLED, 0, SLOTS);
  const last = n - 4;
  for (let i: u32 = 0; i <= last; i++) {
    const p = hashes + (<usize>i << 2);
    const h = mix(
      load<u32>(p) * 0x2545f491 +
        load<u32>(p, 4) * 0x9e3779b1 +
        load<u32>(p, 8) * 0x85ebca77 +
        load<u32>(p, 12) * 0xc2b2ae3d,
    );
    const slot = <usize>(h & (SLOTS - 1));
    const value = h >>> 7;
    const at = sig + (slot << 2);
    if (value < load<u32>(at)) store<u32>(at, value);
    store<u8>(FILLED + slot, 1);
  }
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
