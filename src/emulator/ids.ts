/**
 * Identifiers in the API's shapes (`file-...`, `batch_...`, `batch_req_...`, `req_...`),
 * from a seeded generator so that a run of the emulator repeats exactly.
 */
import { createHash } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function createIdGenerator(seed: number) {
  let counter = 0;
  const random = (length: number, alphabet: string): string => {
    const digest = createHash('sha256').update(`${seed}:${counter++}`).digest();
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[digest[i % digest.length]! % alphabet.length];
    return out;
  };
  return {
    file: () => `file-${random(22, ALPHABET)}`,
    batch: () => `batch_${random(32, '0123456789abcdef')}`,
    request: () => `req_${random(32, '0123456789abcdef')}`,
  };
}

/** A stable id derived from a string (batch request ids, completion ids). */
export function derivedId(prefix: string, ...parts: string[]): string {
  const digest = createHash('sha256')
    .update([prefix, ...parts].join('\u0000'))
    .digest('hex');
  return `${prefix}${digest.slice(0, 32)}`;
}

/** A number in [0, 1) derived from a seed and a key: seeded, order-independent decisions. */
export function unitHash(seed: number, ...parts: string[]): number {
  return (
    createHash('sha256')
      .update(`${seed}\u0000${parts.join('\u0000')}`)
      .digest()
      .readUInt32BE(0) /
    2 ** 32
  );
}

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
