/**
 * AssemblyScript, compiled to WebAssembly by `npm run build:wasm` (src/domain/code-fingerprint-wasm.ts
 * holds the result, and a test checks that it is this source's build).
 *
 * The fingerprints of ASCII codes, bit for bit those of src/domain/code-fingerprint.ts
 * (packFingerprint), in one pass over each code's bytes: its tokens (code-tokens.ts's rules) are
 * hashed where they lie and fed straight into the exact hash and the shingle hashes (a name
 * replaced by how far back it was last seen, keywords and names after a `.` kept), then the
 * one-permutation MinHash with optimal densification (minhash.ts) is written into the packed
 * layout. JavaScript (src/domain/wasm-code-fingerprint.ts) writes the keywords once
 * (`addKeyword`), then batches of codes into the input region, each one's start, length and
 * comment style into the list region, and calls `run`, which leaves PACKED_WORDS words a code in
 * the output region.
 */
import {
  addKeyword,
  cls,
  DIGIT,
  DOLLAR,
  fillTables,
  isKeyword,
  mix,
  NAME_START,
  SPACE,
} from './fingerprint-tables';
import { signatureOf } from './fingerprint-minhash';

export { addKeyword };

/** The packed words of a fingerprint (code-fingerprint.ts PACKED_WORDS): 4 + 128 slots. */
const PACKED: u32 = 132;
/** Fewer tokens: no signature (code-fingerprint.ts MIN_NEAR_TOKENS). */
const MIN_NEAR_TOKENS: u32 = 24;

/** Fixed regions (above the module's own data). */
const LIST: usize = 131072;

let out: usize = 0;
let input: usize = 0;
let hashes: usize = 0;
let names: usize = 0;
let nameMask: u32 = 0;
let nameSlots: usize = 0;
let call: u32 = 0;
let newName: u32 = 0;

// The running state of the code being scanned.
let count: u32 = 0;
let e1: u32 = 0;
let e2: u32 = 0;
let afterDot: bool = false;

/**
 * Lays the regions out for `maxCodes` codes a call and `inputSize` bytes of input (a code is at
 * most that long); returns the input region's offset.
 */
export function init(maxCodes: u32, inputSize: u32): usize {
  out = LIST + <usize>maxCodes * 12;
  input = out + <usize>maxCodes * PACKED * 4;
  hashes = (input + <usize>inputSize + 64 + 15) & ~(<usize>15);
  names = hashes + (<usize>inputSize << 2) + 64;
  let slots: usize = 1024;
  while (slots < (<usize>inputSize << 1)) slots <<= 1;
  nameSlots = slots;
  const end = names + (slots << 4);
  const pages = <i32>((end + 65535) >> 16);
  if (pages > memory.size()) memory.grow(pages - memory.size());
  fillTables();
  newName = mix(0x9e3779b9);
  call = 0;
  return input;
}

export function listAt(): usize {
  return LIST;
}

export function outAt(): usize {
  return out;
}

/** The position where the name (h1, h2) was last seen (-1: never), which becomes `at`. */
@inline
function lastSeen(h1: u32, h2: u32, at: u32): i32 {
  let i = mix(h1 ^ (h2 * 0x9e3779b1)) & nameMask;
  while (true) {
    const e = names + (<usize>i << 4);
    if (load<u32>(e) != call) {
      store<u32>(e, call);
      store<u32>(e, h1, 4);
      store<u32>(e, h2, 8);
      store<u32>(e, at, 12);
      return -1;
    }
    if (load<u32>(e, 4) == h1 && load<u32>(e, 8) == h2) {
      const before = load<i32>(e, 12);
      store<u32>(e, at, 12);
      return before;
    }
    i = (i + 1) & nameMask;
  }
}

/** A token: into the exact hash and, as its shingle hash, itself or (a name) how far back. */
@inline
function emit(h1: u32, h2: u32, word: bool, dot: bool): void {
  const i = count;
  e1 = mix(e1 ^ h1);
  e2 = mix((e2 + h2) ^ 0x27d4eb2f);
  let h = h1;
  if (word && !afterDot && !isKeyword(h1, h2)) {
    const before = lastSeen(h1, h2, i);
    h = before < 0 ? newName : mix(32 - clz<u32>(i - <u32>before) + 0x9e3779b9);
  }
  store<u32>(hashes + (<usize>i << 2), h);
  afterDot = dot;
  count = i + 1;
}

/** The token p[start, end), after `"` when `quoted` (a string's text). */
function emitRange(start: usize, end: usize, quoted: bool): void {
  let h1: u32 = 0x811c9dc5;
  let h2: u32 = 0x3c6ef372;
  if (quoted) {
    h1 = (h1 ^ 34) * 0x01000193;
    h2 = h2 * 31 + 34;
  }
  for (let p = start; p < end; p++) {
    const c = <u32>load<u8>(p);
    h1 = (h1 ^ c) * 0x01000193;
    h2 = h2 * 31 + c;
  }
  emit(h1, h2, false, false);
}

const isLineEnd = (c: u32): bool => c == 10 || c == 13;

/**
 * Emits the string that starts at `i` and ends before `e` (its contents), or, when it is not
 * closed (`e` 0), its quote alone; the position after what was emitted.
 */
@inline
function emitQuoted(i: usize, e: usize): usize {
  if (e == 0) {
    emitRange(i, i, true);
    return i + 1;
  }
  emitRange(i + 1, e - 1, true);
  return e;
}

/** The end of the one-line string opening at `i` (after its closing quote), or 0. */
function oneLineString(i: usize, end: usize, quote: u32): usize {
  for (let j = i + 1; j < end; j++) {
    const c = <u32>load<u8>(j);
    if (c == quote) return j + 1;
    if (c == 92) {
      if (j + 1 >= end || isLineEnd(<u32>load<u8>(j + 1))) return 0;
      j++;
    } else if (c == 10) {
      return 0;
    }
  }
  return 0;
}

/** The end of the backtick string opening at `i` (escapes may span lines), or 0. */
function backtickString(i: usize, end: usize): usize {
  for (let j = i + 1; j < end; j++) {
    const c = <u32>load<u8>(j);
    if (c == 96) return j + 1;
    if (c == 92) {
      if (j + 1 >= end) return 0;
      j++;
    }
  }
  return 0;
}

/** The first `c` at or after `from` (or `end`). */
function indexOf1(from: usize, end: usize, c: u32): usize {
  let j = from;
  while (j < end && <u32>load<u8>(j) != c) j++;
  return j;
}

/** Scans code p[start, end) token by token (code-tokens.ts scanTokens). */
function scan(start: usize, end: usize, hashComment: bool): void {
  const dollar: u32 = hashComment ? 0 : DOLLAR;
  const more: u32 = NAME_START | DIGIT | dollar;
  let i = start;
  while (i < end) {
    const c = <u32>load<u8>(i);
    const k = cls(c);
    if (k == SPACE) {
      i++;
    } else if (k == NAME_START || (k & dollar) != 0) {
      let h1 = (0x811c9dc5 ^ c) * 0x01000193;
      let h2: u32 = 0x3c6ef372 * 31 + c;
      let j = i + 1;
      for (; j < end; j++) {
        const d = <u32>load<u8>(j);
        if ((cls(d) & more) == 0) break;
        h1 = (h1 ^ d) * 0x01000193;
        h2 = h2 * 31 + d;
      }
      emit(h1, h2, true, false);
      i = j;
    } else if (k == DIGIT) {
      let h1 = (0x811c9dc5 ^ c) * 0x01000193;
      let h2: u32 = 0x3c6ef372 * 31 + c;
      let j = i + 1;
      for (; j < end; j++) {
        const d = <u32>load<u8>(j);
        if (d != 46 && (cls(d) & (NAME_START | DIGIT)) == 0) break;
        h1 = (h1 ^ d) * 0x01000193;
        h2 = h2 * 31 + d;
      }
      emit(h1, h2, false, false);
      i = j;
    } else if (c == 34 || c == 39) {
      if (hashComment && i + 2 < end && <u32>load<u8>(i + 1) == c && <u32>load<u8>(i + 2) == c) {
        let close = i + 3;
        while (
          close + 2 < end &&
          !(<u32>load<u8>(close) == c && <u32>load<u8>(close + 1) == c && <u32>load<u8>(close + 2) == c)
        )
          close++;
        if (close + 2 < end) {
          emitRange(i + 3, close, true);
          i = close + 3;
          continue;
        }
      }
      i = emitQuoted(i, oneLineString(i, end, c));
    } else if (c == 96 && !hashComment) {
      i = emitQuoted(i, backtickString(i, end));
    } else if (c == 35 && hashComment) {
      i = indexOf1(i, end, 10);
    } else if (c == 47 && !hashComment && i + 1 < end && <u32>load<u8>(i + 1) == 47) {
      i = indexOf1(i, end, 10);
    } else if (c == 47 && !hashComment && i + 1 < end && <u32>load<u8>(i + 1) == 42) {
      let close = i + 2;
      while (close + 1 < end && !(<u32>load<u8>(close) == 42 && <u32>load<u8>(close + 1) == 47))
        close++;
      if (close + 1 >= end) {
        emitRange(i, i + 1, false);
        i++;
      } else {
        i = close + 2;
      }
    } else if (c == 96) {
      emitRange(i, i, true);
      i++;
    } else {
      emit((0x811c9dc5 ^ c) * 0x01000193, 0x3c6ef372 * 31 + c, false, c == 46);
      i++;
    }
  }
}

/**
 * Fingerprints codes 0..n-1: code t is input[start, start + length) where the list region holds
 * start, length and its comment style (1: `#`) at t * 12; its packed fingerprint goes to the
 * output region at t * PACKED * 4.
 */
export function run(n: u32): void {
  for (let t: u32 = 0; t < n; t++) {
    const entry = LIST + <usize>t * 12;
    const start = input + <usize>load<u32>(entry);
    const length = load<u32>(entry, 4);
    const hashComment = load<u32>(entry, 8) == 1;
    let slots: u32 = 1024;
    while (slots < (length << 1)) slots <<= 1;
    nameMask = slots - 1;
    call++;
    if (call == 0) {
      memory.fill(names, 0, nameSlots << 4);
      call = 1;
    }
    count = 0;
    e1 = 0x6a09e667;
    e2 = 0xbb67ae85;
    afterDot = false;
    scan(start, start + <usize>length, hashComment);
    const o = out + <usize>t * PACKED * 4;
    store<u32>(o, e1);
    store<u32>(o, e2, 4);
    store<u32>(o, mix(e1 ^ count), 8);
    store<u32>(o, count, 12);
    if (count >= MIN_NEAR_TOKENS) signatureOf(hashes, count, o + 16);
  }
}
