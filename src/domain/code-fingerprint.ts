/**
 * The fingerprint of a slice's code, for catching duplicates before they are paid for. Pure.
 *
 * The code is cut into tokens (code-tokens.ts: identifiers, numbers, string literals,
 * operators; comments and whitespace dropped, a string its text whatever its quotes).
 *
 * - **Exact**: a hash of the token sequence. Two slices with the same tokens are duplicates:
 *   the same code, however it is indented, wrapped or commented.
 * - **Near**: a MinHash signature of the set of token shingles (runs of SHINGLE consecutive
 *   tokens), where each identifier is replaced by how far back the same name was last seen
 *   (keywords and names after a `.` stay as they are): consistently renamed variables give
 *   the same shingles, and the share of shingles two slices have in common (their Jaccard
 *   similarity) is estimated by the share of equal signature slots. One permutation hashing
 *   (each shingle hashed once, into one of SLOTS slots) with optimal densification
 *   (Shrivastava 2017: an empty slot takes the value of the full slot that a fixed sequence of
 *   hashes of its own number first hits) keeps the cost to one hash per shingle, and keeps the
 *   slots of short slices as independent as those of long ones.
 *
 * Locality-sensitive hashing finds the candidates: the first BANDS * ROWS slots of the
 * signature are cut into BANDS bands of ROWS slots, and two slices that agree in every slot of
 * at least one band are compared slot by slot.
 */
import { DOT, WORD, hashComments, scanTokens } from './code-tokens.ts';
import { SLOTS, mix, newSignature, signatureOf } from './minhash.ts';

export { BANDS, ROWS, SHINGLE, SLOTS, bandKeys, mix, similarity } from './minhash.ts';

/** Slices with fewer tokens are checked for exact duplicates only (too short to compare). */
export const MIN_NEAR_TOKENS = 24;

export interface CodeFingerprint {
  /** A 96-bit hash of the token sequence (hex). */
  readonly exact: string;
  /** The same 96 bits, as three unsigned 32-bit words. */
  readonly exactWords: readonly [number, number, number];
  readonly tokens: number;
  /** SLOTS unsigned 32-bit values; undefined when the slice is too short to compare. */
  readonly signature: Uint32Array | undefined;
}

/** Words kept as they are (not replaced like names): they carry the code's shape. */
export const KEYWORDS = (
  'and as assert async await break case catch class const continue def default del do elif ' +
  'else enum except export extends false final finally fn for from func function global go if ' +
  'impl import in interface is lambda let match mut new nil none nonlocal not null or pass ' +
  'private protected pub public raise return self static struct super switch this throw ' +
  'throws true try type typeof var void while with yield True False None'
).split(' ');

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

// The keywords by their two token hashes (FNV-1a, then the multiply-by-31 hash), in a small
// open-addressing table.
const KEYWORD_SLOTS = 256;
const keywordH1 = new Int32Array(KEYWORD_SLOTS);
const keywordH2 = new Int32Array(KEYWORD_SLOTS);
const keywordUsed = new Uint8Array(KEYWORD_SLOTS);
for (const word of KEYWORDS) {
  let h1 = 0x811c9dc5;
  let h2 = 0x3c6ef372;
  for (let i = 0; i < word.length; i++) {
    h1 = Math.imul(h1 ^ word.charCodeAt(i), 0x01000193);
    h2 = (Math.imul(h2, 31) + word.charCodeAt(i)) | 0;
  }
  let i = h1 & (KEYWORD_SLOTS - 1);
  while (keywordUsed[i] === 1) i = (i + 1) & (KEYWORD_SLOTS - 1);
  keywordUsed[i] = 1;
  keywordH1[i] = h1;
  keywordH2[i] = h2;
}

function isKeyword(h1: number, h2: number): boolean {
  for (let i = h1 & (KEYWORD_SLOTS - 1); keywordUsed[i] === 1; i = (i + 1) & (KEYWORD_SLOTS - 1)) {
    if (keywordH1[i] === h1 && keywordH2[i] === h2) return true;
  }
  return false;
}

// Where each name was last seen, in an open-addressing table by its two hashes, reused: an
// entry is valid for the call whose number it carries.
let nameBits = 10;
let nameCall = new Int32Array(1 << nameBits);
let nameH1 = new Int32Array(1 << nameBits);
let nameH2 = new Int32Array(1 << nameBits);
let nameAt = new Int32Array(1 << nameBits);
let call = 0;

/** The position where the name (h1, h2) was last seen (-1: never), which becomes `at`. */
function lastSeen(h1: number, h2: number, at: number): number {
  const mask = (1 << nameBits) - 1;
  let i = mix(h1 ^ Math.imul(h2, 0x9e3779b1)) & mask;
  for (;;) {
    if (nameCall[i] !== call) {
      nameCall[i] = call;
      nameH1[i] = h1;
      nameH2[i] = h2;
      nameAt[i] = at;
      return -1;
    }
    if (nameH1[i] === h1 && nameH2[i] === h2) {
      const before = nameAt[i]!;
      nameAt[i] = at;
      return before;
    }
    i = (i + 1) & mask;
  }
}

function sizeNames(tokens: number): void {
  if (tokens * 2 <= 1 << nameBits) return;
  while (tokens * 2 > 1 << nameBits) nameBits++;
  nameCall = new Int32Array(1 << nameBits);
  nameH1 = new Int32Array(1 << nameBits);
  nameH2 = new Int32Array(1 << nameBits);
  nameAt = new Int32Array(1 << nameBits);
}

let shingleHashes = new Int32Array(1024);
const NEW_NAME = mix(0x9e3779b9);

/** The exact hash words and token count of the last `scan`, its shingle hashes in `hashes`. */
let scanned0 = 0;
let scanned1 = 0;
let scanned2 = 0;
let scannedTokens = 0;

/** Cuts `code` into tokens: the exact hash and the shingle hashes (of names, how far back). */
function scan(code: string, hashComment: boolean): Int32Array {
  const t = scanTokens(code, hashComment);
  const n = t.count;
  if (shingleHashes.length < n)
    shingleHashes = new Int32Array(Math.max(n, 2 * shingleHashes.length));
  sizeNames(n);
  call = (call + 1) | 0;
  if (call === 0) {
    nameCall.fill(0);
    call = 1;
  }
  const hashes = shingleHashes;
  // The exact hash: two chains of 32 bits over the two hashes of each token.
  let e1 = 0x6a09e667;
  let e2 = 0xbb67ae85;
  let afterDot = false;
  for (let i = 0; i < n; i++) {
    const h1 = t.h1[i]!;
    const h2 = t.h2[i]!;
    const kind = t.kind[i]!;
    e1 = mix(e1 ^ h1);
    e2 = mix((e2 + h2) ^ 0x27d4eb2f);
    if (kind === WORD && !afterDot && !isKeyword(h1, h2)) {
      // A name: how far back it was last seen (its bit length; 0 the first time), not what
      // it is called.
      const before = lastSeen(h1, h2, i);
      hashes[i] = before < 0 ? NEW_NAME : mix(32 - Math.clz32(i - before) + 0x9e3779b9);
    } else {
      hashes[i] = h1;
    }
    afterDot = kind === DOT;
  }
  scanned0 = e1 >>> 0;
  scanned1 = e2 >>> 0;
  scanned2 = mix(e1 ^ n);
  scannedTokens = n;
  return hashes;
}

/** The fingerprint of `code` from the file `filePath` (its extension picks the comment style). */
export function fingerprintCode(code: string, filePath: string): CodeFingerprint {
  const hashes = scan(code, hashComments(filePath));
  const n = scannedTokens;
  return new Fingerprint(
    scanned0,
    scanned1,
    scanned2,
    n,
    n < MIN_NEAR_TOKENS ? undefined : signatureOf(hashes, n, newSignature()),
  );
}

/**
 * Words a fingerprint takes packed in a Uint32Array (packFingerprint): the exact hash (3), the
 * tokens (1), the signature (SLOTS; not used when too short to compare).
 */
export const PACKED_WORDS = 4 + SLOTS;

/**
 * Writes the fingerprint of `code` into `out` from `at` on (PACKED_WORDS words): the same as
 * fingerprintCode's, with no object made, for a fingerprint made in one thread and used in
 * another (unpackFingerprint).
 */
export function packFingerprint(
  code: string,
  hashComment: boolean,
  out: Uint32Array,
  at: number,
): void {
  const hashes = scan(code, hashComment);
  const n = scannedTokens;
  out[at] = scanned0;
  out[at + 1] = scanned1;
  out[at + 2] = scanned2;
  out[at + 3] = n;
  if (n >= MIN_NEAR_TOKENS) signatureOf(hashes, n, out.subarray(at + 4, at + PACKED_WORDS));
}

/** The fingerprints of `codes` packed in order (`hashComment[i]` 1: `#` comments in code i). */
export function packFingerprints(codes: readonly string[], hashComment: Uint8Array): Uint32Array {
  const out = new Uint32Array(codes.length * PACKED_WORDS);
  for (let i = 0; i < codes.length; i++) {
    packFingerprint(codes[i]!, hashComment[i] === 1, out, i * PACKED_WORDS);
  }
  return out;
}

/** The fingerprint packed at `at` of `words` (its signature a view of them, not a copy). */
export function unpackFingerprint(words: Uint32Array, at: number): CodeFingerprint {
  const n = words[at + 3]!;
  return new Fingerprint(
    words[at]!,
    words[at + 1]!,
    words[at + 2]!,
    n,
    n < MIN_NEAR_TOKENS ? undefined : words.subarray(at + 4, at + PACKED_WORDS),
  );
}

class Fingerprint implements CodeFingerprint {
  readonly exactWords: readonly [number, number, number];
  readonly tokens: number;
  readonly signature: Uint32Array | undefined;
  constructor(
    w0: number,
    w1: number,
    w2: number,
    tokens: number,
    signature: Uint32Array | undefined,
  ) {
    this.exactWords = [w0, w1, w2];
    this.tokens = tokens;
    this.signature = signature;
  }
  /** The hex of exactWords (made when asked: the store compares the words). */
  get exact(): string {
    return this.exactWords.map(hex8).join('');
  }
}
