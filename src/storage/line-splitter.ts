/**
 * The lines of a file's bytes, chunk by chunk (jsonl-lines.ts reads the chunks). Pure: no I/O.
 *
 * Skips a UTF-8 byte-order mark at the start of the file (also one split across chunks),
 * accepts CRLF and LF endings, numbers lines from 1 (empty lines count but are not handed out),
 * and keeps only the unfinished last line of a chunk (copied: the read buffer is reused); a line
 * longer than `maxLineBytes` is counted, not kept, and reported `too_long`.
 */
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

const NEWLINE = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf] as const;

export class LineSplitter {
  private lineNo: number;
  /** The file offset of the current line's first byte. */
  private lineStart: number;
  /** Pieces of the line that started in an earlier chunk. */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** The current line is longer than allowed: only its bytes are counted until its end. */
  private overlong = false;
  private atFileStart: boolean;
  private bomMatched = 0;

  private readonly maxLineBytes: number;
  private readonly start: number;

  /** `start`: the file offset of the first chunk; `lineNo`: the number of lines before it. */
  constructor(maxLineBytes: number, start: number, lineNo: number) {
    this.maxLineBytes = maxLineBytes;
    this.start = start;
    this.lineNo = lineNo;
    this.lineStart = start;
    this.atFileStart = start === 0;
  }

  /** The lines that `chunk`, read at file offset `chunkStart`, ends. */
  split(chunk: Buffer, chunkStart: number): RawLine[] {
    let buf = chunk;
    let bufStart = chunkStart;
    if (this.atFileStart) {
      const mark = this.skipMark(buf);
      buf = buf.subarray(mark);
      bufStart += mark;
    }
    const out: RawLine[] = [];
    let from = 0;
    for (;;) {
      const nl = buf.indexOf(NEWLINE, from);
      if (nl === -1) break;
      this.finish(buf.subarray(from, nl), out);
      from = nl + 1;
      this.lineStart = bufStart + from;
    }
    if (from < buf.length) this.keep(buf.subarray(from));
    return out;
  }

  /** The last line, when the file does not end with a line ending. */
  end(): RawLine[] {
    const out: RawLine[] = [];
    if (this.carryBytes > 0 || this.overlong) this.finish(Buffer.alloc(0), out);
    return out;
  }

  /**
   * How many bytes of the chunk are a byte-order mark. The mark may span chunks (a chunk under
   * 3 bytes): its bytes matched so far wait in `carry` as the first line's (no newline among
   * them) until it is whole or not a mark.
   */
  private skipMark(buf: Buffer): number {
    let k = 0;
    while (this.bomMatched < 3 && k < buf.length && buf[k] === BOM[this.bomMatched]) {
      this.bomMatched++;
      k++;
    }
    if (this.bomMatched === 3) {
      this.atFileStart = false;
      this.carry = [];
      this.carryBytes = 0;
      this.lineStart = this.start + 3;
      return k;
    }
    if (k < buf.length) this.atFileStart = false;
    return 0;
  }

  /** The start of a line that the chunk does not end. */
  private keep(rest: Buffer): void {
    if (this.overlong || this.carryBytes + rest.length > this.maxLineBytes + 1) {
      // +1 leaves room for a CR that belongs to the line ending.
      this.overlong = true;
      this.carry = [];
    } else {
      // Copied: the read buffer is reused.
      this.carry.push(Buffer.from(rest));
    }
    this.carryBytes += rest.length;
  }

  private finish(piece: Buffer, out: RawLine[]): void {
    this.lineNo++;
    const lineNo = this.lineNo;
    let total = this.carryBytes + piece.length;
    if (this.overlong) {
      out.push({ kind: 'too_long', lineNo, bytes: total });
    } else {
      let line = this.carry.length === 0 ? piece : Buffer.concat([...this.carry, piece], total);
      if (line.length > 0 && line[line.length - 1] === CR) {
        line = line.subarray(0, line.length - 1);
        total = line.length;
      }
      if (line.length > this.maxLineBytes) {
        out.push({ kind: 'too_long', lineNo, bytes: total });
      } else if (line.length > 0) {
        if (isUtf8(line)) {
          const text = line.toString('utf8');
          out.push({ kind: 'text', lineNo, text, bytes: total, offset: this.lineStart });
        } else {
          out.push({ kind: 'invalid_utf8', lineNo, bytes: total });
        }
      }
    }
    this.carry = [];
    this.carryBytes = 0;
    this.overlong = false;
  }
}
