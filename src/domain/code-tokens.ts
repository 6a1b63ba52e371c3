/**
 * The tokens of a slice's code, for its fingerprint (code-fingerprint.ts). Pure.
 *
 * One pass over the character codes, no regular expression and no string per token: each
 * token is hashed where it lies. A token is an identifier, a number, a string literal or any
 * other character that is not a space; comments and whitespace are dropped. Comments are `#`
 * lines for the languages that use them (by the file's extension), `//` lines and `/* *\/`
 * blocks otherwise. A string is its text whatever its quotes: `'a'`, `"a"`, `"""a"""` (and
 * `` `a` `` for the `//` languages) are the same token, `"a`.
 *
 * The tokens are left in a buffer that the next call reuses: two 32-bit hashes each (FNV-1a
 * and a multiply-by-31 hash of the token's text) and its kind.
 */

/** Token kinds. */
export const OTHER = 0;
export const WORD = 1;
/** A lone `.` (a name after it is an attribute or a method: kept as it is). */
export const DOT = 2;

export interface Tokens {
  count: number;
  h1: Int32Array;
  h2: Int32Array;
  kind: Uint8Array;
}

const HASH_COMMENT = /\.(py|pyi|pyw|rb|sh|bash|pl|pm|r|yaml|yml|toml|cfg|ps1|nim|jl|cr|ex|exs)$/i;

/** Whether the file at `filePath` writes comments with `#`. */
export const hashComments = (filePath: string): boolean => HASH_COMMENT.test(filePath);

// Character classes of the codes below 192 (every code from 192 up is a name character).
const SPACE = 1;
const NAME_START = 2;
const DIGIT = 4;
/** `$`: a name character for the `//` languages only. */
const DOLLAR = 8;
const CLASS = new Uint8Array(192);
for (const c of [9, 10, 11, 12, 13, 32, 160]) CLASS[c] = SPACE;
for (let c = 65; c <= 90; c++) CLASS[c] = NAME_START;
for (let c = 97; c <= 122; c++) CLASS[c] = NAME_START;
CLASS[95] = NAME_START;
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
CLASS[36] = DOLLAR;

const tokens: Tokens = {
  count: 0,
  h1: new Int32Array(1024),
  h2: new Int32Array(1024),
  kind: new Uint8Array(1024),
};

function push(h1: number, h2: number, kind: number): void {
  if (tokens.count === tokens.h1.length) {
    const n = tokens.count * 2;
    const h1s = new Int32Array(n);
    const h2s = new Int32Array(n);
    const kinds = new Uint8Array(n);
    h1s.set(tokens.h1);
    h2s.set(tokens.h2);
    kinds.set(tokens.kind);
    tokens.h1 = h1s;
    tokens.h2 = h2s;
    tokens.kind = kinds;
  }
  tokens.h1[tokens.count] = h1;
  tokens.h2[tokens.count] = h2;
  tokens.kind[tokens.count] = kind;
  tokens.count++;
}

/** Pushes the token `code[start, end)`, after `"` when `quoted` (a string's text). */
function pushRange(code: string, start: number, end: number, quoted: boolean, kind: number): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x3c6ef372;
  if (quoted) {
    h1 = Math.imul(h1 ^ 34, 0x01000193);
    h2 = (Math.imul(h2, 31) + 34) | 0;
  }
  for (let i = start; i < end; i++) {
    const c = code.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = (Math.imul(h2, 31) + c) | 0;
  }
  push(h1, h2, kind);
}

const isLineEnd = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/** The end of the one-line string opening at `i` (after its closing quote), or -1. */
function oneLineString(code: string, i: number, quote: number): number {
  const n = code.length;
  for (let j = i + 1; j < n; j++) {
    const c = code.charCodeAt(j);
    if (c === quote) return j + 1;
    if (c === 92) {
      if (j + 1 >= n || isLineEnd(code.charCodeAt(j + 1))) return -1;
      j++;
    } else if (c === 10) {
      return -1;
    }
  }
  return -1;
}

/** The end of the backtick string opening at `i` (escapes may span lines), or -1. */
function backtickString(code: string, i: number): number {
  const n = code.length;
  for (let j = i + 1; j < n; j++) {
    const c = code.charCodeAt(j);
    if (c === 96) return j + 1;
    if (c === 92) {
      if (j + 1 >= n) return -1;
      j++;
    }
  }
  return -1;
}

/** The tokens of `code` (valid until the next call). */
export function scanTokens(code: string, hashComment: boolean): Tokens {
  tokens.count = 0;
  const n = code.length;
  const dollar = hashComment ? 0 : DOLLAR;
  let i = 0;
  while (i < n) {
    const c = code.charCodeAt(i);
    const cls = c < 192 ? CLASS[c]! : NAME_START;
    if (cls === SPACE) {
      i++;
    } else if (cls === NAME_START || (cls & dollar) !== 0) {
      // A name, hashed as it is read.
      let h1 = Math.imul(0x811c9dc5 ^ c, 0x01000193);
      let h2 = (Math.imul(0x3c6ef372, 31) + c) | 0;
      const more = NAME_START | DIGIT | dollar;
      let j = i + 1;
      for (; j < n; j++) {
        const d = code.charCodeAt(j);
        if (d < 192 && (CLASS[d]! & more) === 0) break;
        h1 = Math.imul(h1 ^ d, 0x01000193);
        h2 = (Math.imul(h2, 31) + d) | 0;
      }
      push(h1, h2, WORD);
      i = j;
    } else if (cls === DIGIT) {
      let h1 = Math.imul(0x811c9dc5 ^ c, 0x01000193);
      let h2 = (Math.imul(0x3c6ef372, 31) + c) | 0;
      let j = i + 1;
      for (; j < n; j++) {
        const d = code.charCodeAt(j);
        if (d !== 46 && (d >= 192 || (CLASS[d]! & (NAME_START | DIGIT)) === 0)) break;
        h1 = Math.imul(h1 ^ d, 0x01000193);
        h2 = (Math.imul(h2, 31) + d) | 0;
      }
      push(h1, h2, OTHER);
      i = j;
    } else if (c === 34 || c === 39) {
      if (hashComment && code.charCodeAt(i + 1) === c && code.charCodeAt(i + 2) === c) {
        const close = code.indexOf(c === 34 ? '"""' : "'''", i + 3);
        if (close >= 0) {
          pushRange(code, i + 3, close, true, OTHER);
          i = close + 3;
          continue;
        }
      }
      const end = oneLineString(code, i, c);
      if (end < 0) {
        pushRange(code, i, i, true, OTHER); // a lone quote: `"` (as the empty text after it)
        i++;
      } else {
        pushRange(code, i + 1, end - 1, true, OTHER);
        i = end;
      }
    } else if (c === 96 && !hashComment) {
      const end = backtickString(code, i);
      if (end < 0) {
        pushRange(code, i, i, true, OTHER);
        i++;
      } else {
        pushRange(code, i + 1, end - 1, true, OTHER);
        i = end;
      }
    } else if (c === 35 && hashComment) {
      const end = code.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === 47 && !hashComment && code.charCodeAt(i + 1) === 47) {
      const end = code.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === 47 && !hashComment && code.charCodeAt(i + 1) === 42) {
      const end = code.indexOf('*/', i + 2);
      if (end < 0) {
        pushRange(code, i, i + 1, false, OTHER);
        i++;
      } else {
        i = end + 2;
      }
    } else if (c === 96) {
      pushRange(code, i, i, true, OTHER); // a backtick of a `#` language: a lone quote
      i++;
    } else {
      push(
        Math.imul(0x811c9dc5 ^ c, 0x01000193),
        (Math.imul(0x3c6ef372, 31) + c) | 0,
        c === 46 ? DOT : OTHER,
      );
      i++;
    }
  }
  return tokens;
}
