/**
 * The disk side of a batch input file: full chunks written to its hidden temporary file, in
 * order, each lent from the pool and handed to the content hash once written. A write error
 * (the disk full, failing) is kept and thrown by the next call: an 'error' event nobody
 * listens to would end the process.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { ChunkPool, ContentHash } from './chunk-pool.ts';

/** Chunks queued for the disk before appending waits: writing overlaps converting. */
const WRITE_QUEUE_BYTES = 4 * 1024 * 1024;

export interface ChunkStream {
  /** Writes `length` bytes of `buffer`; it is the hash's from then on (it gives it back). */
  write(buffer: Buffer, length: number): Promise<void>;
  /** Ends the file, flushed to disk. */
  close(): Promise<void>;
  /** Stops writing (the file is being thrown away). */
  destroy(): void;
}

export async function openChunkStream(
  path: string,
  pool: ChunkPool,
  hash: ContentHash,
): Promise<ChunkStream> {
  const stream = createWriteStream(path, {
    flags: 'wx',
    flush: true,
    highWaterMark: WRITE_QUEUE_BYTES,
  });
  let failed: Error | undefined;
  stream.on('error', (err) => (failed ??= err));
  const throwIfFailed = (): void => {
    if (failed !== undefined) throw failed;
  };
  await once(stream, 'open');
  return {
    // Each chunk is handed to the hash once written and never touched again here, so that
    // hashing can take it to another thread without a copy.
    async write(buffer, length) {
      throwIfFailed();
      await pool.room();
      pool.lend(buffer);
      const ok = stream.write(buffer.subarray(0, length), (err) => {
        if (err) pool.returned(buffer);
        else hash.update(buffer, length);
      });
      if (!ok) await once(stream, 'drain');
    },
    async close() {
      throwIfFailed();
      stream.end();
      await finished(stream);
      throwIfFailed();
    },
    destroy: () => stream.destroy(),
  };
}
