/**
 * The lines of a batch results file with their byte offsets, and the custom_id and status code
 * of each read without parsing the line (the index needs only those; the line is parsed once,
 * when its slice is compiled). Streams the file: constant memory whatever its size.
 */
import { scanByteLines } from '../storage/byte-lines.ts';

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

/** Yields the non-empty lines of a results file, a read chunk at a time (storage/byte-lines.ts). */
export function scanResultLines(
  path: string,
  chunkBytes = 1024 * 1024,
): AsyncGenerator<ResultLineRef[]> {
  return scanByteLines(
    path,
    (buf, start, end, _lineNo, offset) => ({
      offset,
      length: end - start,
      ...peekResultLine(buf, start, end),
    }),
    { chunkBytes },
  );
}
