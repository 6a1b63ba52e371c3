/**
 * The pre-split of the o200k and cl100k encodings on ASCII bytes: the rules of
 * bench/ascii-splitter.ts (proven equal to the split expressions, chunk for chunk, on ASCII
 * text), alternative by alternative as the expressions decide them. A text is followed by 0xFF
 * bytes (class END), so no rule reads past it.
 */
import { CLASSES } from './layout';

// Classes of bytes, as the split expressions see them (bytes 0x80 and up never reach `run`).
export const LOWER: u32 = 1; // \p{Ll}
export const UPPER: u32 = 2; // \p{Lu}
export const DIGIT: u32 = 3; // \p{N}
export const NEWLINE: u32 = 4; // [\r\n]
export const SPACE: u32 = 5; // \s other than \r \n
export const OTHER: u32 = 6; // punctuation, symbols, control characters
export const END: u32 = 0; // the 0xFF after a text

export function fillClasses(): void {
  for (let c: u32 = 0; c < 256; c++) store<u8>(CLASSES + c, <u8>OTHER);
  for (let c: u32 = 97; c <= 122; c++) store<u8>(CLASSES + c, <u8>LOWER);
  for (let c: u32 = 65; c <= 90; c++) store<u8>(CLASSES + c, <u8>UPPER);
  for (let c: u32 = 48; c <= 57; c++) store<u8>(CLASSES + c, <u8>DIGIT);
  store<u8>(CLASSES + 10, <u8>NEWLINE);
  store<u8>(CLASSES + 13, <u8>NEWLINE);
  store<u8>(CLASSES + 9, <u8>SPACE);
  store<u8>(CLASSES + 11, <u8>SPACE);
  store<u8>(CLASSES + 12, <u8>SPACE);
  store<u8>(CLASSES + 32, <u8>SPACE);
  store<u8>(CLASSES + 255, <u8>END);
}

@inline
export function cls(p: usize): u32 {
  return <u32>load<u8>(CLASSES + <usize>load<u8>(p));
}

@inline
export function byte(p: usize): u32 {
  return <u32>load<u8>(p);
}

/** Length of a contraction (`'s 'd 'm 't 'll 've 're`, any case) at `i`, else 0. */
@inline
export function contractionAt(i: usize): usize {
  if (byte(i) != 39) return 0;
  const a = byte(i + 1) | 0x20;
  if (a == 115 || a == 100 || a == 109 || a == 116) return 2;
  const b = byte(i + 2) | 0x20;
  if ((a == 108 && b == 108) || (a == 118 && b == 101) || (a == 114 && b == 101)) return 3;
  return 0;
}

export function spaceChunkEnd(p: usize, q: usize): usize {
  // \s*[\r\n]+ (o200k), \s*[\r\n] (cl100k): up to the last line break of the run.
  for (let k = q; k > p; k--) {
    const c = byte(k - 1);
    if (c == 10 || c == 13) return k;
  }
  // \s+(?!\S): the run but its last character when something follows; then \s+ or \s.
  if (cls(q) == END) return q;
  return q - p > 1 ? q - 1 : p + 1;
}

export function spaceRunEnd(p: usize): usize {
  let q = p;
  let k = cls(q);
  while (k == SPACE || k == NEWLINE) k = cls(++q);
  return q;
}

/**
 * The end of the chunk at `p` (of class `k0`) when it is not letters: up to 3 digits, or an
 * optional space, punctuation and the line breaks after it (and, `slash`: o200k, the slashes);
 * 0 when it is neither. The two encodings' expressions differ there only by `/`.
 */
@inline
function numberOrPunctuationEnd(p: usize, k0: u32, slash: bool): usize {
  let q = p;
  if (k0 == DIGIT) {
    q = p + 1;
    while (q < p + 3 && cls(q) == DIGIT) q++;
    return q;
  }
  q = k0 == SPACE && byte(p) == 32 ? p + 1 : p;
  if (cls(q) != OTHER) return 0;
  while (cls(q) == OTHER) q++;
  for (;;) {
    const c = byte(q);
    if (c == 10 || c == 13 || (slash && c == 47)) q++;
    else break;
  }
  return q;
}

@inline
export function o200kChunkEnd(p: usize): usize {
  const k0 = cls(p);
  let q = p;
  if (k0 != LOWER && k0 != UPPER && k0 != DIGIT && k0 != NEWLINE) q = p + 1;
  let k = cls(q);
  if (k == LOWER || k == UPPER) {
    while (cls(q) == UPPER) q++;
    let lower = 0;
    while (cls(q) == LOWER) {
      q++;
      lower++;
    }
    if (lower > 0 || q > p + (k0 == UPPER ? 0 : 1)) return q + contractionAt(q);
  }
  const t = numberOrPunctuationEnd(p, k0, true);
  if (t != 0) return t;
  return spaceChunkEnd(p, spaceRunEnd(p));
}

@inline
export function cl100kChunkEnd(p: usize): usize {
  const k0 = cls(p);
  const c = contractionAt(p);
  if (c > 0) return p + c;
  let q = p;
  if (k0 != LOWER && k0 != UPPER && k0 != DIGIT && k0 != NEWLINE) q = p + 1;
  let k = cls(q);
  if (k == LOWER || k == UPPER) {
    while ((k = cls(q)) == LOWER || k == UPPER) q++;
    return q;
  }
  const t = numberOrPunctuationEnd(p, k0, false);
  if (t != 0) return t;
  const end = spaceRunEnd(p);
  if (cls(end) == END) return end;
  return spaceChunkEnd(p, end);
}
