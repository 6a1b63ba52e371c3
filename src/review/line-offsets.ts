/**
 * The lines of a JSONL file with their number (from 1, empty lines counted, as an editor
 * counts them) and byte offset, so that a page can read one line back by position. Streamed a
 * chunk at a time: memory stays constant whatever the file's size. Pure but for the reads.
 */
import { scanByteLines } from '../storage/byte-lines.ts';

export interface LineAt {
  readonly lineNo: number;
  readonly offset: number;
  /** Bytes, without the line ending. */
  readonly length: number;
  readonly text: string;
}

/** A file's non-empty lines, decoded, a read chunk at a time (storage/byte-lines.ts). */
export function linesWithOffsets(path: string, chunkBytes = 1024 * 1024): AsyncGenerator<LineAt[]> {
  return scanByteLines(
    path,
    (buf, start, end, lineNo, offset) => ({
      lineNo,
      offset,
      length: end - start,
      text: buf.toString('utf8', start, end),
    }),
    { chunkBytes, skipBom: true },
  );
}
