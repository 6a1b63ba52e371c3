/**
 * The lines of a batch results file with their byte offsets, and the custom_id and status code
 * of each read without parsing the line (the index needs only those; the line is parsed once,
 * when its slice is compiled). Streams the file: constant memory whatever its size.
 */
import { open } from 'node:fs/promises';

export interface ResultLineRef {
  readonly offset: number;
  /** Bytes, without the line ending. */
  readonly length: number;
  readonly customId: string | undefined;
  readonly status: number | undefined;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CUSTOM_ID_KEY = Buffer.from('"custom_id"');
const STATUS_KEY = Buffer.from('"status_code"');

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === CR || c === NEWLINE;
}

/**
 * The position after `"key":` where `key` is an object key (the quote opens a member: it
 * follows `{` or `,`), or -1. A quote inside a JSON string is escaped, so string contents
 * never match.
 */
function valueAfterKey(buf: Buffer, key: Buffer, start: number, end: number): number {
  let from = start;
  for (;;) {
    const at = buf.indexOf(key, from);
    if (at === -1 || at + key.length > end) return -1;
    from = at + 1;
    let p = at - 1;
    while (p >= start && isSpace(buf[p])) p--;
    if (p < start || (buf[p] !== 0x7b && buf[p] !== 0x2c)) continue;
    let q = at + key.length;
    while (q < end && isSpace(buf[q])) q++;
    if (buf[q] !== 0x3a) continue;
    q++;
    while (q < end && isSpace(buf[q])) q++;
    return q;
  }
}

function fullParse(
  buf: Buffer,
  start: number,
  end: number,
): Pick<ResultLineRef, 'customId' | 'status'> {
  try {
    const v = JSON.parse(buf.toString('utf8', start, end)) as {
      custom_id?: unknown;
      response?: { status_code?: unknown } | null;
    };
    return {
      customId: typeof v.custom_id === 'string' ? v.custom_id : undefined,
      status: typeof v.response?.status_code === 'number' ? v.response.status_code : undefined,
    };
  } catch {
    return { customId: undefined, status: undefined };
  }
}

/** The custom_id and status code of the result line `buf[start, end)`. */
export function peekResultLine(
  buf: Buffer,
  start: number,
  end: number,
): Pick<ResultLineRef, 'customId' | 'status'> {
  const idAt = valueAfterKey(buf, CUSTOM_ID_KEY, start, end);
  if (idAt === -1 || buf[idAt] !== QUOTE) return fullParse(buf, start, end);
  let close = idAt + 1;
  let escaped = false;
  while (close < end && buf[close] !== QUOTE) {
    if (buf[close] === BACKSLASH) {
      escaped = true;
      close++;
    }
    close++;
  }
  if (close >= end) return fullParse(buf, start, end);
  let customId: string;
  if (escaped) {
    try {
      customId = JSON.parse(buf.toString('utf8', idAt, close + 1)) as string;
    } catch {
      return fullParse(buf, start, end);
    }
  } else {
    customId = buf.toString('utf8', idAt + 1, close);
  }
  const statusAt = valueAfterKey(buf, STATUS_KEY, start, end);
  let status: number | undefined;
  if (statusAt !== -1) {
    let n = 0;
    let digits = 0;
    for (let p = statusAt; p < end && buf[p]! >= 0x30 && buf[p]! <= 0x39; p++, digits++) {
      n = n * 10 + (buf[p]! - 0x30);
    }
    if (digits > 0) status = n;
  }
  return { customId, status };
}

/** Yields the non-empty lines of a results file, a read chunk at a time. */
export async function* scanResultLines(
  path: string,
  chunkBytes = 1024 * 1024,
): AsyncGenerator<ResultLineRef[]> {
  const handle = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(chunkBytes);
    // Bytes of an unfinished line at the start of `buf`, and the file offset of buf[0].
    let kept = 0;
    let base = 0;
    for (;;) {
      if (kept === buf.length) {
        // A line longer than the buffer: grow it.
        const grown = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(grown, 0, 0, kept);
        buf = grown;
      }
      const { bytesRead } = await handle.read(buf, kept, buf.length - kept, base + kept);
      const filled = kept + bytesRead;
      const out: ResultLineRef[] = [];
      let from = 0;
      for (;;) {
        let nl = buf.indexOf(NEWLINE, from);
        if (nl === -1 || nl >= filled) {
          if (bytesRead > 0) break;
          nl = filled; // the last line has no newline
          if (from >= filled) break;
        }
        let end = nl;
        if (end > from && buf[end - 1] === CR) end--;
        if (end > from) {
          out.push({ offset: base + from, length: end - from, ...peekResultLine(buf, from, end) });
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
