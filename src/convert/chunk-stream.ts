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
import { backgroundFlush, type StartFlush } from '../storage/background-flush.ts';

/** Chunks queued for the disk before appending waits: writing overlaps converting. */
const WRITE_QUEUE_BYTES = 4 * 1024 * 1024;

/**
 * Bytes written between two background flushes (background-flush.ts), so that the sync when the
 * file is sealed finds little left to write. Without them the kernel held a whole file's pages
 * until then: the last two files of the 271 MB real-code corpus took 57 and 88 ms to sync, one
 * after the other, at the end of the run, against 2 and 5 ms with them.
 */
export const BACKGROUND_FLUSH_BYTES = 8 * 1024 * 1024;

export interface ChunkStreamOptions {
  /** Starts a flush of `fd` to the disk in the background (tests count them). */
  readonly flushInBackground?: StartFlush;
}

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
  options: ChunkStreamOptions = {},
): Promise<ChunkStream> {
  const flush = backgroundFlush(BACKGROUND_FLUSH_BYTES, options.flushInBackground);
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
  const [fd] = (await once(stream, 'open')) as [number];
  return {
    // Each chunk is handed to the hash once written and never touched again here, so that
    // hashing can take it to another thread without a copy.
    async write(buffer, length) {
      throwIfFailed();
      await pool.room();
      pool.lend(buffer);
      const ok = stream.write(buffer.subarray(0, length), (err) => {
        if (err) {
          pool.returned(buffer);
          return;
        }
        hash.update(buffer, length);
        flush.wrote(fd, length);
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
