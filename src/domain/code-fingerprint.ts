/**
 * The fingerprint of a slice's code, for catching duplicates before they are paid for. Pure.
 *
 * The code is cut into tokens (identifiers, numbers, string literals, operators); comments and
 * whitespace are dropped, and a string is its text whatever its quotes, so code that differs
 * only in them has the same tokens.
 *
 * - **Exact**: a hash of the token sequence. Two slices with the same tokens are duplicates:
 *   the same code, however it is indented, wrapped or commented.
 * - **Near**: a MinHash signature of the set of token shingles (runs of SHINGLE consecutive
 *   tokens), where each identifier is replaced by the order of its first appearance (`a`, `b`,
 *   `a` → `#0`, `#1`, `#0`; keywords stay as they are): consistently renamed variables give
 *   the same shingles, and the share of shingles two slices have in common (their Jaccard
 *   similarity) is estimated by the share of equal signature slots. One permutation hashing
 *   (each shingle hashed once, into one of SLOTS slots; empty slots filled from the next full
 *   one) keeps the cost to one hash per shingle.
 *
 * Locality-sensitive hashing finds the candidates: the signature is cut into BANDS bands of
 * ROWS slots, and two slices whose bands agree in at least one are compared slot by slot.
 */

export const SLOTS = 128;
export const BANDS = 32;
export const ROWS = SLOTS / BANDS;
/** Tokens per shingle. */
export const SHINGLE = 4;
/** Slices with fewer tokens are checked for exact duplicates only (too short to compare). */
export const MIN_NEAR_TOKENS = 24;

export interface CodeFingerprint {
  /** A 96-bit hash of the token sequence (hex). */
  readonly exact: string;
  readonly tokens: number;
  /** SLOTS unsigned 32-bit values; undefined when the slice is too short to compare. */
  readonly signature: Uint32Array | undefined;
}

const HASH_COMMENT = /\.(py|pyi|pyw|rb|sh|bash|pl|pm|r|yaml|yml|toml|cfg|ps1|nim|jl|cr|ex|exs)$/i;

// Triple-quoted and one-line strings, comments (one kind chosen per language), identifiers,
// numbers, and any other single character that is not a space.
const TOKENS_HASH =
  /"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|(#[^\n]*)|([A-Za-z_\u00c0-\uffff][\w\u00c0-\uffff]*)|\d[\w.]*|\S/g;
const TOKENS_SLASH =
  /`(?:[^`\\]|\\[\s\S])*`|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|([A-Za-z_$\u00c0-\uffff][\w$\u00c0-\uffff]*)|\d[\w.]*|\S/g;

/** Words kept as they are (not numbered like identifiers): they carry the code's shape. */
const KEYWORDS = new Set(
  (
    'and as assert async await break case catch class const continue def default del do elif ' +
    'else enum except export extends false final finally fn for from func function global go if ' +
    'impl import in interface is lambda let match mut new nil none nonlocal not null or pass ' +
    'private protected pub public raise return self static struct super switch this throw ' +
    'throws true try type typeof var void while with yield True False None'
  ).split(' '),
);

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/** A 32-bit finaliser (murmur3's): spreads the bits of a combined hash. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The fingerprint of `code` from the file `filePath` (its extension picks the comment style). */
export function fingerprintCode(code: string, filePath: string): CodeFingerprint {
  const re = HASH_COMMENT.test(filePath) ? TOKENS_HASH : TOKENS_SLASH;
  re.lastIndex = 0;
  // The exact hash: two chains of 32 bits over two hashes of each token.
  let e1 = 0x6a09e667;
  let e2 = 0xbb67ae85;
  const hashes: number[] = [];
  const names = new Map<string, number>();
  let m: RegExpExecArray | null;
  let afterDot = false;
  while ((m = re.exec(code)) !== null) {
    if (m[1] !== undefined) continue; // a comment
    let token = m[0];
    const q = token.charCodeAt(0);
    if (q === 34 || q === 39 || q === 96) {
      // A string: its quotes (' " ''' """ `) do not matter, its text does.
      const n = token.startsWith('"""') || token.startsWith("'''") ? 3 : 1;
      token = `"${token.slice(n, token.length - n)}`;
    }
    const h1 = fnv1a(token);
    let h2 = 0x3c6ef372;
    for (let i = 0; i < token.length; i++) h2 = Math.imul(h2, 31) + token.charCodeAt(i);
    e1 = mix(e1 ^ h1);
    e2 = mix((e2 + h2) ^ 0x27d4eb2f);
    const word = m[2];
    if (word !== undefined && !KEYWORDS.has(word) && !afterDot) {
      // A name: how far back it was last seen (its bit length; 0 the first time), not what
      // it is called.
      const at = hashes.length;
      const before = names.get(word);
      names.set(word, at);
      hashes.push(mix((before === undefined ? 0 : 32 - Math.clz32(at - before)) + 0x9e3779b9));
    } else {
      hashes.push(h1);
    }
    afterDot = token === '.';
  }
  const tokens = hashes.length;
  return {
    exact: hex8(e1) + hex8(e2) + hex8(mix(e1 ^ hashes.length)),
    tokens,
    signature: tokens < MIN_NEAR_TOKENS ? undefined : signatureOf(hashes),
  };
}

/** One permutation hashing with rotation densification over the shingles of `hashes`. */
function signatureOf(hashes: readonly number[]): Uint32Array {
  const sig = new Uint32Array(SLOTS).fill(0xffffffff);
  const filled = new Uint8Array(SLOTS);
  const last = hashes.length - SHINGLE;
  for (let i = 0; i <= last; i++) {
    let h = 0x2545f491;
    for (let j = 0; j < SHINGLE; j++) h = mix(h ^ hashes[i + j]!) + j;
    h = mix(h);
    const slot = h & (SLOTS - 1);
    const value = h >>> 7;
    if (value < sig[slot]!) sig[slot] = value;
    filled[slot] = 1;
  }
  // An empty slot takes the value of the next full one, marked by the distance to it.
  for (let s = 0; s < SLOTS; s++) {
    if (filled[s] === 1) continue;
    let d = 1;
    while (filled[(s + d) & (SLOTS - 1)] === 0) d++;
    sig[s] = (sig[(s + d) & (SLOTS - 1)]! + Math.imul(d, 0x01000193)) >>> 0;
  }
  return sig;
}

/** The share of equal slots of two signatures: the estimate of their Jaccard similarity. */
export function similarity(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < SLOTS; i++) if (a[i] === b[i]) same++;
  return same / SLOTS;
}

/**
 * The bands two signatures must share before they are compared: at a threshold of 0.7 or more
 * two slices that similar share 7.7 of the 32 bands on average, and fewer than 2 with a
 * probability under 0.3 %; comparing only those spares the slices that share one band of
 * boilerplate. Below 0.7, one band.
 */
export function minSharedBands(threshold: number): number {
  return threshold >= 0.7 ? 2 : 1;
}

/** The LSH keys of a signature, one per band: band number and a hash of its slots. */
export function bandKeys(sig: Uint32Array): number[] {
  const keys: number[] = [];
  for (let b = 0; b < BANDS; b++) {
    let h = 0x811c9dc5 ^ b;
    for (let r = 0; r < ROWS; r++) h = mix(h ^ sig[b * ROWS + r]!);
    // Below 2^53: exact as a JavaScript number and as an SQLite integer.
    keys.push(b * 0x1_0000_0000 + h);
  }
  return keys;
}
