/**
 * The non-empty lines of a file as byte ranges of a reused buffer, with their number (from 1,
 * empty lines counted, as an editor counts them) and byte offset, a read chunk at a time:
 * memory stays constant whatever the file's size (a line longer than the buffer grows it).
 * Each caller turns a range into what it needs (a decoded line, a peek at a few fields) while
 * the bytes are still in the buffer.
 *
 * Why a second line reader beside jsonl-lines.ts (readLineBatches, the text reader): its two
 * callers want what that one refuses. The review index lists every line of the reviewed
 * files, one that is not valid UTF-8 too (decoded with replacement characters, to be shown as
 * rejected), where readLineBatches reports such a line without its text or offset; and a line
 * longer than the buffer is read whole (the buffer grows), where readLineBatches skips a line
 * over its cap without buffering it (it reads untrusted input for the pipeline). Speed is not
 * the reason: on a generated 100 MB results file (`node bench/line-readers.ts --mb 100`, a
 * 2-core machine under a load of about 18) the text reader was as fast or faster, for whole
 * lines (371 against 267 MB/s) and for compile's custom_id and status peek (167 against
 * 142 MB/s); one reader with both behaviours as options could serve all callers.
 */
import { open } from 'node:fs/promises';

const NEWLINE = 0x0a;
const CR = 0x0d;

/** A line's bytes are `buf[start, end)`, without its ending; valid only during the call. */
export type LineReader<T> = (
  buf: Buffer,
  start: number,
  end: number,
  lineNo: number,
  offset: number,
) => T;

export async function* scanByteLines<T>(
  path: string,
  read: LineReader<T>,
  options: { chunkBytes?: number; skipBom?: boolean } = {},
): AsyncGenerator<T[]> {
  const handle = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(options.chunkBytes ?? 1024 * 1024);
    // Bytes of an unfinished line at the start of `buf`, and the file offset of buf[0].
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
      const out: T[] = [];
      let from = 0;
      for (;;) {
        let nl = buf.indexOf(NEWLINE, from);
        if (nl === -1 || nl >= filled) {
          if (bytesRead > 0 || from >= filled) break;
          nl = filled; // the last line has no newline
        }
        lineNo++;
        let start = from;
        const bom = buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf;
        if (options.skipBom === true && base + start === 0 && bom) start += 3;
        let end = nl;
        if (end > start && buf[end - 1] === CR) end--;
        if (end > start) out.push(read(buf, start, end, lineNo, base + start));
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
