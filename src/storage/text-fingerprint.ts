/**
 * Two independent 32-bit hashes of a text, together a 64-bit fingerprint: the keys of the
 * compact tables that must hold millions of ids (SeenSliceIds, the compiler's ResultIndex).
 * Two different texts share a fingerprint with probability 2^-64 per pair. Pure.
 */
import { mix } from '../domain/minhash.ts';

/** FNV-1a with a final avalanche. */
export function hashA(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

/** MurmurHash3-style, seeded by the length. */
export function hashB(text: string): number {
  let h = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return mix(h);
}
