/**
 * The lines of a JSONL file with their number (from 1, empty lines counted, as an editor
 * counts them) and byte offset, so that a page can read one line back by position. Streamed a
 * chunk at a time: memory stays constant whatever the file's size. Pure but for the reads.
 */
import { open } from 'node:fs/promises';

export interface LineAt {
  readonly lineNo: number;
  readonly offset: number;
  /** Bytes, without the line ending. */
  readonly length: number;
  readonly text: string;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

export async function* linesWithOffsets(
  path: string,
  chunkBytes = 1024 * 1024,
): AsyncGenerator<LineAt[]> {
  const handle = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(chunkBytes);
    let kept = 0;
    let base = 0;
    let lineNo = 0;
    for (;;) {
      if (kept === buf.length) {
        const grown = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(grown, 0, 0, kept);
        buf = grown;
      }
      const { bytesRead } = await handle.read(buf, kept, buf.length - kept, base + kept);
      const filled = kept + bytesRead;
      const out: LineAt[] = [];
      let from = 0;
      for (;;) {
        let nl = buf.indexOf(NEWLINE, from);
        if (nl === -1 || nl >= filled) {
          if (bytesRead > 0 || from >= filled) break;
          nl = filled; // the last line has no newline
        }
        lineNo++;
        let start = from;
        // A UTF-8 byte-order mark at the start of the file.
        if (base + from === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start += 3;
        let end = nl;
        if (end > start && buf[end - 1] === CR) end--;
        if (end > start) {
          out.push({
            lineNo,
            offset: base + start,
            length: end - start,
            text: buf.toString('utf8', start, end),
          });
        }
        from = nl + 1;
      }
      if (out.length > 0) yield out;
      if (bytesRead === 0) return;
      kept = filled - from;
      buf.copy(buf, 0, from, filled);
      base += from;
    }
  } finally {
    await handle.close();
  }
}
