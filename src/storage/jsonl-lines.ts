/**
 * Streaming line reader for JSONL files: constant memory whatever the file size. The file is
 * read here; its bytes are split into lines by line-splitter.ts.
 *
 * Works on bytes, so that invalid UTF-8 is reported for the line it is on instead of being
 * replaced by U+FFFD. Skips a UTF-8 byte-order mark at the start of the file, accepts CRLF and
 * LF endings, numbers lines from 1 (empty lines count, as an editor counts them), and never holds
 * more than one line plus two read buffers: a line longer than `maxLineBytes` is reported and
 * skipped without being buffered. The two read buffers are reused for the whole file (one is
 * read into while the lines of the other are handed out), so reading makes no garbage; or, with
 * `buffers`, taken from the caller and handed back once split (the conversion hashes them in
 * another thread and reuses them).
 *
 * byte-lines.ts is the other line reader: for the review index and compile's result index,
 * which must see every line (invalid UTF-8 included, however long); its header says why they
 * are two and what was measured.
 */
import { open } from 'node:fs/promises';
import { LineSplitter, type RawLine } from './line-splitter.ts';

export type { RawLine };

export interface ReadLinesOptions {
  /** Longest line accepted, in bytes without its line ending. */
  readonly maxLineBytes?: number;
  /** Read chunk size. */
  readonly chunkBytes?: number;
  /** Called after each chunk with the number of bytes read so far (progress). */
  readonly onBytes?: (bytesRead: number) => void;
  /**
   * Start here instead of at the file's start (the lines appended since an earlier read):
   * `offset` must be the start of a line, `lineNo` the number of lines before it.
   */
  readonly from?: { readonly offset: number; readonly lineNo: number };
  /** Stop at this byte offset (a snapshot of a file that may still grow). */
  readonly end?: number;
  /**
   * Each chunk read into a buffer from `take` (of at least `chunkBytes`) instead of two buffers
   * reused, and handed to `done` with the bytes read (byte-order mark and line ends included)
   * once its lines are split: nothing refers to it then, so it may go to another thread, to
   * fingerprint exactly what was read (content-fingerprint.ts).
   */
  readonly buffers?: {
    take(): Buffer;
    done(buffer: Buffer, bytesRead: number): void;
  };
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Yields the lines of a file in batches (one batch per read chunk, so that the caller pays one
 * `await` per chunk and not per line). Empty lines are not yielded but are counted. The lines
 * of a batch are strings: nothing in them refers to the read buffers.
 */
export async function* readLineBatches(
  path: string,
  options: ReadLinesOptions = {},
): AsyncGenerator<RawLine[]> {
  const chunkBytes = options.chunkBytes ?? 256 * 1024;
  const start = options.from?.offset ?? 0;
  const end = options.end ?? Infinity;
  const lines = new LineSplitter(
    options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    start,
    options.from?.lineNo ?? 0,
  );
  const handle = await open(path, 'r');
  // The read ahead, awaited before the file is closed (also when the caller stops early).
  let reading: Promise<{ bytesRead: number }> | undefined;
  const given = options.buffers;
  const buffers = given
    ? [given.take(), given.take()]
    : [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)];
  try {
    let position = start;
    let current = 0;
    const readInto = (i: number, at: number) =>
      handle.read(buffers[i]!, 0, Math.max(0, Math.min(chunkBytes, end - at)), at);
    reading = readInto(current, position);
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      const buf = buffers[current]!.subarray(0, bytesRead);
      const bufStart = position;
      position += bytesRead;
      // Read the next chunk into the other buffer while this one is split.
      current = 1 - current;
      reading = readInto(current, position);
      const out = lines.split(buf, bufStart);
      if (given) {
        given.done(buffers[1 - current]!, bytesRead);
        buffers[1 - current] = given.take();
      }
      options.onBytes?.(position - start);
      if (out.length > 0) yield out;
    }
    const last = lines.end();
    if (last.length > 0) yield last;
  } finally {
    await reading?.catch(() => undefined);
    await handle.close();
    // The buffers not handed out (the last read's, the next one's): back, with nothing read.
    if (given) for (const b of buffers) given.done(b, 0);
  }
}
