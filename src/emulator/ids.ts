/**
 * Identifiers in the API's shapes (`file-...`, `batch_...`, `batch_req_...`, `req_...`,
 * `chatcmpl-...`, Anthropic's `msg_...`).
 *
 * The ids handed out (files, batches, requests, answers) are random, as the real API's are unique: two
 * emulators with the same seed, or one started again on its state folder or on a fresh one,
 * never give out an id a user's job files already name. No decision is drawn from them: faults,
 * answers and the order requests finish in are drawn from the seed and from names the client
 * chose (custom_ids, file names), so a run with the same seed repeats them exactly.
 */
import { createHash, randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';

/** `length` characters of `alphabet`, each drawn uniformly by the system's secure generator. */
function randomText(length: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function createIdGenerator() {
  return {
    file: () => `file-${randomText(22, ALPHABET)}`,
    batch: () => `batch_${randomText(32, HEX)}`,
    request: () => `req_${randomText(32, HEX)}`,
  };
}

/**
 * A chat completion's id (`chatcmpl-` and 29 letters and digits, as the real API's): random,
 * so that the same request answered again (a retry, another emulator) gets a new one.
 */
export function completionId(): string {
  return `chatcmpl-${randomText(29, ALPHABET)}`;
}

/** An Anthropic message's id (`msg_01` and 22 letters and digits): random, as completionId. */
export function messageId(): string {
  return `msg_01${randomText(22, ALPHABET)}`;
}

/** A stable id derived from a string (batch request ids, a Responses answer's ids). */
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
