/**
 * The tokenizers' pre-split, by hand where the text is ASCII: an alternative measured against
 * V8's compiled split expression by `npm run bench -- --only split` (bench/split-compare.ts),
 * kept here because it did not win (the counter uses the expression).
 *
 * A BPE tokenizer cuts text into chunks with a fixed regular expression before it merges bytes
 * (see token-counter.ts). On real code that expression is the slowest part of counting. This is
 * the same split written out for ASCII text, alternative by alternative, as the expression's
 * backtracking decides it; as soon as a chunk needs a look at any character beyond ASCII (the
 * Unicode letter, number, mark and space classes), that one chunk is cut by the expression
 * itself, sticky at the same place. Both give the same chunks, boundary for boundary (the
 * bench checks it on every slice of the real corpus before timing).
 *
 * Pure: no I/O, no state between calls.
 */
import type { EncodingName } from '../src/domain/token-counter.ts';

/** ASCII character classes, as the split expressions see them. */
const LOWER = 1; // \p{Ll}
const UPPER = 2; // \p{Lu}
const DIGIT = 3; // \p{N}
const NEWLINE = 4; // [\r\n]
const SPACE = 5; // \s other than \r \n: \t \v \f and ' '
const OTHER = 6; // none of these: punctuation, symbols, control characters

const CLASS = new Uint8Array(128).fill(OTHER);
for (let c = 97; c <= 122; c++) CLASS[c] = LOWER;
for (let c = 65; c <= 90; c++) CLASS[c] = UPPER;
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
CLASS[10] = NEWLINE;
CLASS[13] = NEWLINE;
for (const c of [9, 11, 12, 32]) CLASS[c] = SPACE;

const BEYOND_ASCII = 7;
const END = 0;

/**
 * The classes of a text's characters, one byte each, END after the last: filled once per text
 * in one tight loop, then read by the chunk rules below (cheaper than a charCodeAt, a bounds
 * check and a table look-up at every step).
 */
let classes = new Uint8Array(1 << 16);

function classify(text: string): Uint8Array {
  const n = text.length;
  if (classes.length < n + 4) classes = new Uint8Array(Math.max(n + 4, classes.length * 2));
  const k = classes;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    k[i] = c < 128 ? CLASS[c]! : BEYOND_ASCII;
  }
  k[n] = END;
  k[n + 1] = END;
  k[n + 2] = END;
  return k;
}

/**
 * Length of a contraction suffix at `i` (`'s`, `'d`, `'m`, `'t`, `'ll`, `'ve`, `'re`, any case),
 * 0 when there is none. Reads only ASCII characters it compares (anything else cannot match).
 */
function contractionAt(text: string, i: number): number {
  if (text.charCodeAt(i) !== 39) return 0;
  const a = text.charCodeAt(i + 1) | 0x20;
  if (a === 115 || a === 100 || a === 109 || a === 116) return 2; // s d m t
  const b = text.charCodeAt(i + 2) | 0x20;
  if ((a === 108 && b === 108) || (a === 118 && b === 101) || (a === 114 && b === 101)) return 3;
  return 0;
}

/** End of the whitespace run from `i`, or -1 when it meets a character beyond ASCII. */
function spaceRunEnd(cls: Uint8Array, i: number): number {
  let q = i;
  for (;;) {
    const k = cls[q]!;
    if (k === SPACE || k === NEWLINE) q++;
    else return k === BEYOND_ASCII ? -1 : q;
  }
}

/** Whitespace chunks, the same in both encodings when no `\s+$` applies first. */
function spaceChunkEnd(text: string, p: number, q: number): number {
  // \s*[\r\n]+ (o200k) and \s*[\r\n] (cl100k): up to the last line break of the run.
  for (let k = q - 1; k >= p; k--) {
    const c = text.charCodeAt(k);
    if (c === 10 || c === 13) return k + 1;
  }
  // \s+(?!\S): the run but its last character when something follows; then \s+ or \s.
  if (q === text.length) return q;
  return q - p > 1 ? q - 1 : p + 1;
}

/** o200k_base: the end of the chunk starting at `p`, or -1 for the expression to decide. */
function o200kChunkEnd(cls: Uint8Array, text: string, p: number): number {
  const k0 = cls[p]!;
  if (k0 === BEYOND_ASCII) return -1;
  // Alternatives 1 and 2: [^\r\n\p{L}\p{N}]? then letters (an upper run, a lower run).
  let q = p;
  if (k0 !== LOWER && k0 !== UPPER && k0 !== DIGIT && k0 !== NEWLINE) q = p + 1;
  let k = cls[q]!;
  if (k === LOWER || k === UPPER) {
    while (cls[q]! === UPPER) q++;
    let lower = 0;
    while ((k = cls[q]!) === LOWER) {
      q++;
      lower++;
    }
    if (k === BEYOND_ASCII) return -1;
    // An upper run without a lower one is alternative 2; either may end with a contraction.
    if (lower > 0 || q > p + (k0 === UPPER ? 0 : 1)) {
      const c = contractionAt(text, q);
      if (c > 0) return q + c;
      // A quote followed by a character beyond ASCII cannot be a contraction.
      return q;
    }
  } else if (k === BEYOND_ASCII && q > p) {
    return -1;
  }
  // Alternative 3: \p{N}{1,3}.
  if (k0 === DIGIT) {
    let q = p + 1;
    while (q < p + 3 && cls[q]! === DIGIT) q++;
    return cls[q]! === BEYOND_ASCII && q < p + 3 ? -1 : q;
  }
  // Alternative 4: ' ?[^\s\p{L}\p{N}]+[\r\n/]*'.
  q = k0 === SPACE && text.charCodeAt(p) === 32 ? p + 1 : p;
  if (cls[q]! === OTHER) {
    while (cls[q]! === OTHER) q++;
    for (;;) {
      const c = text.charCodeAt(q);
      if (c === 10 || c === 13 || c === 47) q++;
      else break;
    }
    // A character beyond ASCII right after the run could be a further symbol of it.
    return cls[q]! === BEYOND_ASCII ? -1 : q;
  }
  if (cls[q]! === BEYOND_ASCII) return -1;
  // Alternatives 5 to 7: whitespace.
  const end = spaceRunEnd(cls, p);
  return end < 0 ? -1 : spaceChunkEnd(text, p, end);
}

/** cl100k_base: the end of the chunk starting at `p`, or -1 for the expression to decide. */
function cl100kChunkEnd(cls: Uint8Array, text: string, p: number): number {
  const k0 = cls[p]!;
  if (k0 === BEYOND_ASCII) return -1;
  // Alternative 1: a contraction anywhere.
  const c = contractionAt(text, p);
  if (c > 0) return p + c;
  // Alternative 2: [^\r\n\p{L}\p{N}]?\p{L}+
  let q = p;
  if (k0 !== LOWER && k0 !== UPPER && k0 !== DIGIT && k0 !== NEWLINE) q = p + 1;
  let k = cls[q]!;
  if (k === LOWER || k === UPPER) {
    while ((k = cls[q]!) === LOWER || k === UPPER) q++;
    return k === BEYOND_ASCII ? -1 : q;
  }
  if (k === BEYOND_ASCII && q > p) return -1;
  // Alternative 3: \p{N}{1,3}.
  if (k0 === DIGIT) {
    let q = p + 1;
    while (q < p + 3 && cls[q]! === DIGIT) q++;
    return cls[q]! === BEYOND_ASCII && q < p + 3 ? -1 : q;
  }
  // Alternative 4: ' ?[^\s\p{L}\p{N}]+[\r\n]*'.
  q = k0 === SPACE && text.charCodeAt(p) === 32 ? p + 1 : p;
  if (cls[q]! === OTHER) {
    while (cls[q]! === OTHER) q++;
    for (;;) {
      const c = text.charCodeAt(q);
      if (c === 10 || c === 13) q++;
      else break;
    }
    return cls[q]! === BEYOND_ASCII ? -1 : q;
  }
  if (cls[q]! === BEYOND_ASCII) return -1;
  // Alternatives 5 to 8: \s+$ first, then as o200k.
  const end = spaceRunEnd(cls, p);
  if (end < 0) return -1;
  return end === text.length ? end : spaceChunkEnd(text, p, end);
}

export interface TokenSplitter {
  /**
   * Splits `text` into chunks: returns their number n; chunk i ends at `ends[i]` (and starts
   * where chunk i - 1 ends). `ends` is reused by the next call.
   */
  split(text: string): number;
  readonly ends: Int32Array;
}

/**
 * The splitter of an encoding. `expression` is the encoding's own split expression (flags `gu`):
 * the fallback for chunks that need a look beyond ASCII. Not reentrant (it reuses its buffers).
 */
export function createTokenSplitter(encoding: EncodingName, expression: RegExp): TokenSplitter {
  const sticky = new RegExp(expression.source, 'uy');
  const chunkEnd = encoding === 'o200k_base' ? o200kChunkEnd : cl100kChunkEnd;
  let ends = new Int32Array(1 << 14);
  return {
    get ends() {
      return ends;
    },
    split(text) {
      const n = text.length;
      const cls = classify(text);
      let count = 0;
      let p = 0;
      while (p < n) {
        let q = chunkEnd(cls, text, p);
        if (q < 0) {
          sticky.lastIndex = p;
          // The expression matches at every position (its alternatives cover every character),
          // so this never fails; a guard anyway against an endless loop.
          q = sticky.test(text) && sticky.lastIndex > p ? sticky.lastIndex : p + 1;
        }
        if (count === ends.length) {
          const grown = new Int32Array(ends.length * 2);
          grown.set(ends);
          ends = grown;
        }
        ends[count++] = q;
        p = q;
      }
      return count;
    },
  };
}
