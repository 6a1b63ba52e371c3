/**
 * The fingerprint of an input file as it is read (content-fingerprint.ts: size, line ends,
 * SHA-256), with the SHA-256 taken in the helper thread. Hashing 271 MB was about 145 ms of the
 * conversion thread, the busier one; the helper thread has time to spare. Each read buffer is
 * handed over once its lines are split (readLineBatches' `buffers`: nothing refers to it then),
 * goes to the thread (transferred, not copied) and comes back to a small pool of read buffers.
 *
 * A file read from where an earlier read stopped continues a hash state kept in this thread
 * (`prefix`), which cannot go to another thread: it is hashed here, as before.
 */
import {
  createByteTally,
  createContentHasher,
  type PrefixState,
  type ReadFingerprint,
} from '../storage/content-fingerprint.ts';
import type { ContentHash } from './chunk-pool.ts';

export interface InputHasher {
  /** The first `length` bytes of `buffer`, read; the buffer is taken (given back once hashed). */
  update(buffer: Buffer, length: number): void;
  digest(): Promise<ReadFingerprint>;
}

/** Read buffers of one size, reused: reading makes no garbage buffers. */
export interface ReadBuffers {
  take(): Buffer;
  give(buffer: Buffer): void;
}

export function createReadBuffers(size: number, keep = 8): ReadBuffers {
  const free: Buffer[] = [];
  return {
    take: () => free.pop() ?? Buffer.allocUnsafe(size),
    give(buffer) {
      if (buffer.length === size && free.length < keep) free.push(buffer);
    },
  };
}

/**
 * A hasher of an input file, from its start (the SHA-256 taken by `startHash`, which gives
 * each buffer back to `giveBack` when hashed) or continuing `prefix` (hashed here).
 */
export function createInputHasher(
  prefix: PrefixState | undefined,
  startHash: (giveBack: (buffer: Buffer) => void) => ContentHash,
  giveBack: (buffer: Buffer) => void,
): InputHasher {
  if (prefix !== undefined) {
    const local = createContentHasher(prefix);
    return {
      update(buffer, length) {
        local.update(buffer.subarray(0, length));
        giveBack(buffer);
      },
      digest: () => Promise.resolve(local.digest()),
    };
  }
  const hash = startHash(giveBack);
  const tally = createByteTally();
  return {
    update(buffer, length) {
      if (length === 0) {
        giveBack(buffer);
        return;
      }
      // Tallied before the buffer leaves this thread.
      tally.add(buffer.subarray(0, length));
      hash.update(buffer, length);
    },
    digest: async () => tally.fingerprint(await hash.digest()),
  };
}
