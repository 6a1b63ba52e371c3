/**
 * The output chunks a conversion writes its batch input files in, reused from a pool, and the
 * content hash each written chunk is fed to (then given back to the pool).
 */
import { createHash } from 'node:crypto';

/** Requests are encoded once, into chunks of this size, which are hashed and written as is. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Output chunks of CHUNK_BYTES, reused: writing a file makes no garbage buffers. A file fills
 * one chunk at a time (`take`, never waits: every open file can always fill its own); a full
 * chunk is lent to the disk and then to the hash, and at most `max` are lent at a time: before
 * lending one more, a file waits for `room`. This is the backpressure from the disk and the
 * hashing back to placing requests, and from there to reading (which waits for placing): memory
 * stays the same whichever stage is slowest, and no number of open files can use up the pool
 * (files each holding a chunk while waiting for one more waited forever).
 */
export interface ChunkPool {
  /** A chunk to fill. */
  take(): Buffer;
  /** Resolves when one more chunk may be lent (fewer than `max` are out). */
  room(): Promise<void>;
  /** A full chunk handed to the disk and the hash; `returned` brings it back. */
  lend(chunk: Buffer): void;
  /** A lent chunk, back from the hash (buffers of another size are ignored). */
  returned(chunk: Buffer): void;
  /** A chunk taken and never lent (a file sealed or aborted). */
  give(chunk: Buffer): void;
}

export function createChunkPool(max = 8): ChunkPool {
  const free: Buffer[] = [];
  const waiting: (() => void)[] = [];
  let lent = 0;
  const keep = (chunk: Buffer): void => {
    if (chunk.length === CHUNK_BYTES && free.length < max) free.push(chunk);
  };
  return {
    take: () => free.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES),
    room() {
      if (lent < max) return Promise.resolve();
      return new Promise((resolve) => waiting.push(resolve));
    },
    lend(chunk) {
      if (chunk.length === CHUNK_BYTES) lent++;
    },
    returned(chunk) {
      if (chunk.length !== CHUNK_BYTES) return;
      lent--;
      keep(chunk);
      if (lent < max) waiting.shift()?.();
    },
    give: keep,
  };
}

/**
 * The SHA-256 of a file, fed with each chunk once it is written. `update` takes the chunk (it
 * may carry it to another thread) and gives it back to the pool when hashed.
 */
export interface ContentHash {
  update(chunk: Buffer, length: number): void;
  digest(): Promise<string>;
}

export function localContentHash(pool: Pick<ChunkPool, 'returned'>): ContentHash {
  const hash = createHash('sha256');
  return {
    update(chunk, length) {
      hash.update(chunk.subarray(0, length));
      pool.returned(chunk);
    },
    digest: () => Promise.resolve(hash.digest('hex')),
  };
}
