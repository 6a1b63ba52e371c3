/**
 * Streaming line reader for JSONL files: constant memory whatever the file size.
 *
 * Works on bytes, so that invalid UTF-8 is reported for the line it is on instead of being
 * replaced by U+FFFD. Skips a UTF-8 byte-order mark at the start of the file, accepts CRLF and
 * LF endings, numbers lines from 1 (empty lines count, as an editor counts them), and never holds
 * more than one line plus two read buffers: a line longer than `maxLineBytes` is reported and
 * skipped without being buffered. The two read buffers are reused for the whole file (one is
 * read into while the lines of the other are handed out), so reading makes no garbage.
 *
 * byte-lines.ts is the other line reader: for the review index and compile's result index,
 * which must see every line (invalid UTF-8 included, however long); its header says why they
 * are two and what was measured.
 */
import { open } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';

export type RawLine =
  | {
      readonly kind: 'text';
      readonly lineNo: number;
      readonly text: string;
      readonly bytes: number;
      /** Where the line starts in the file, in bytes (to read it back by position). */
      readonly offset?: number;
    }
  | { readonly kind: 'invalid_utf8'; readonly lineNo: number; readonly bytes: number }
  | { readonly kind: 'too_long'; readonly lineNo: number; readonly bytes: number };

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
   * Given every byte read, as read (byte-order mark and line ends included), before its lines
   * are handed out: to fingerprint exactly what was read (content-fingerprint.ts).
   */
  readonly onChunk?: (bytes: Buffer) => void;
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Yields the lines of a file in batches (one batch per read chunk, so that the caller pays one
 * `await` per chunk and not per line). Empty lines are not yielded but are counted. The lines
 * of a batch are strings: nothing in them refers to the read buffers.
 */
export async function* readLineBatches(
  path: string,
  options: ReadLinesOptions = {},
): AsyncGenerator<RawLine[]> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const chunkBytes = options.chunkBytes ?? 256 * 1024;
  const handle = await open(path, 'r');
  // The read ahead, awaited before the file is closed (also when the caller stops early).
  let reading: Promise<{ bytesRead: number }> | undefined;
  try {
    const start = options.from?.offset ?? 0;
    const end = options.end ?? Infinity;
    let position = start;
    let lineNo = options.from?.lineNo ?? 0;
    let atFileStart = start === 0;
    let bomMatched = 0;
    // The file offset of the current line's first byte, and of buf[0] of the chunk being split.
    let lineStart = start;
    let bufStart = start;
    // Pieces of the line that started in an earlier chunk.
    let carry: Buffer[] = [];
    let carryBytes = 0;
    // The current line is longer than allowed: only its bytes are counted until its end.
    let overlong = false;

    const finish = (piece: Buffer, out: RawLine[]): void => {
      lineNo++;
      let total = carryBytes + piece.length;
      if (overlong) {
        out.push({ kind: 'too_long', lineNo, bytes: total });
      } else {
        let line = carry.length === 0 ? piece : Buffer.concat([...carry, piece], total);
        if (line.length > 0 && line[line.length - 1] === CR) {
          line = line.subarray(0, line.length - 1);
          total = line.length;
        }
        if (line.length > maxLineBytes) {
          out.push({ kind: 'too_long', lineNo, bytes: total });
        } else if (line.length > 0) {
          if (isUtf8(line)) {
            const text = line.toString('utf8');
            out.push({ kind: 'text', lineNo, text, bytes: total, offset: lineStart });
          } else {
            out.push({ kind: 'invalid_utf8', lineNo, bytes: total });
          }
        }
      }
      carry = [];
      carryBytes = 0;
      overlong = false;
    };

    const buffers = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)] as const;
    let current = 0;
    const readInto = (i: number, at: number) =>
      handle.read(buffers[i]!, 0, Math.max(0, Math.min(chunkBytes, end - at)), at);
    reading = readInto(current, position);
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      let buf = buffers[current]!.subarray(0, bytesRead);
      options.onChunk?.(buf);
      bufStart = position;
      position += bytesRead;
      // Read the next chunk into the other buffer while this one is split.
      current = 1 - current;
      reading = readInto(current, position);
      if (atFileStart) {
        // The mark may span chunks (a chunk under 3 bytes): its bytes matched so far wait in
        // `carry` as the first line's (no newline among them) until it is whole or not a mark.
        let k = 0;
        while (bomMatched < 3 && k < buf.length && buf[k] === BOM[bomMatched]) {
          bomMatched++;
          k++;
        }
        if (bomMatched === 3) {
          atFileStart = false;
          carry = [];
          carryBytes = 0;
          buf = buf.subarray(k);
          bufStart += k;
          lineStart = start + 3;
        } else if (k < buf.length) {
          atFileStart = false;
        }
      }
      const out: RawLine[] = [];
      let from = 0;
      for (;;) {
        const nl = buf.indexOf(NEWLINE, from);
        if (nl === -1) break;
        finish(buf.subarray(from, nl), out);
        from = nl + 1;
        lineStart = bufStart + from;
      }
      if (from < buf.length) {
        const rest = buf.subarray(from);
        if (overlong || carryBytes + rest.length > maxLineBytes + 1) {
          // +1 leaves room for a CR that belongs to the line ending.
          overlong = true;
          carry = [];
        } else {
          // Copied: the read buffer is reused.
          carry.push(Buffer.from(rest));
        }
        carryBytes += rest.length;
      }
      options.onBytes?.(position - start);
      if (out.length > 0) yield out;
    }
    if (carryBytes > 0 || overlong) {
      const out: RawLine[] = [];
      finish(Buffer.alloc(0), out);
      if (out.length > 0) yield out;
    }
  } finally {
    await reading?.catch(() => undefined);
    await handle.close();
  }
}
