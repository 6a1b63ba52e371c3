/**
 * Token count of one pre-split chunk: byte-pair merging, as the tokenizer does it, in time that
 * stays linear in the text.
 *
 * The tokenizer library merges with a byte array and decodes every candidate pair back to a
 * string to look its rank up; on real code (one chunk in a hundred is not in the cache, most of
 * them identifiers of two or three tokens) that decoding was most of the counting time. An ASCII
 * chunk's bytes are its characters, so here the candidate pairs are looked up where they lie in
 * the chunk (byte-rank-table.ts), nothing sliced out; chunks with other characters are merged
 * over their UTF-8 bytes the same way (utf8-pair-count.ts).
 *
 * The merge is quadratic in the chunk's length (each step looks for the lowest-ranked pair),
 * which is nothing for real chunks (a few characters) and hours for one 15 MB run of letters or
 * spaces. Chunks longer than LONG_CHUNK characters are therefore counted in pieces of that size:
 * a merge across a cut is lost, so such a chunk may count up to a token more per piece (or, when
 * the cut changes the merge order, a token fewer over the whole run: well under 0.5 %, see
 * test/unit/byte-pair-count.test.ts); real code has almost no such chunks.
 *
 * Pure: the rank look-ups are given.
 */

export interface ByteRanks {
  /** The rank of the ASCII token `text.slice(from, to)`, -1 when it is not a token. */
  rankOf(text: string, from: number, to: number): number;
  /** Tokens of a chunk that is not all ASCII (utf8-pair-count.ts: over its UTF-8 bytes). */
  countOther(chunk: string): number;
}

/** Longest chunk merged whole; longer ones are merged in pieces of this many characters. */
export const LONG_CHUNK = 256;

const NONE = Number.POSITIVE_INFINITY;

/**
 * The byte-pair merge of a piece whose every character is one byte of it (an ASCII piece, or
 * the one-byte string of a piece's UTF-8 bytes: utf8-pair-count.ts), with `rankOf` the rank of
 * the token `piece[from, to)` (-1: none): the lowest-ranked adjacent pair first, the leftmost of
 * equal ones, as the tokenizer merges. Its token count.
 */
export function createPairMerge(
  rankOf: (piece: string, from: number, to: number) => number,
): (piece: string) => number {
  // Reused between calls, grown for a longer piece.
  let starts = new Int32Array(LONG_CHUNK + 1);
  let pairRanks = new Float64Array(LONG_CHUNK + 1);

  const rankAt = (piece: string, parts: number, i: number): number => {
    if (i + 2 >= parts + 1) return NONE;
    const rank = rankOf(piece, starts[i]!, starts[i + 2]!);
    return rank < 0 ? NONE : rank;
  };

  return (piece) => {
    const n = piece.length;
    if (rankOf(piece, 0, n) >= 0) return 1;
    if (n + 1 > starts.length) {
      starts = new Int32Array(n + 1);
      pairRanks = new Float64Array(n + 1);
    }
    let parts = n;
    for (let i = 0; i <= n; i++) starts[i] = i;
    for (let i = 0; i < n; i++) pairRanks[i] = rankAt(piece, parts, i);
    while (parts > 1) {
      let lowest = NONE;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        if (pairRanks[i]! < lowest) {
          lowest = pairRanks[i]!;
          at = i;
        }
      }
      if (at < 0) break;
      // Merge parts `at` and `at + 1`.
      starts.copyWithin(at + 1, at + 2, parts + 1);
      pairRanks.copyWithin(at, at + 1, parts);
      parts--;
      pairRanks[at] = rankAt(piece, parts, at);
      if (at > 0) pairRanks[at - 1] = rankAt(piece, parts, at - 1);
    }
    return parts;
  };
}

export function createByteRankCounter(ranks: ByteRanks): (chunk: string) => number {
  /** Tokens of an ASCII piece of at most LONG_CHUNK characters. */
  const mergeAscii = createPairMerge((piece, from, to) => ranks.rankOf(piece, from, to));

  const countPiece = (piece: string): number => {
    for (let i = 0; i < piece.length; i++) {
      if (piece.charCodeAt(i) > 127) return ranks.countOther(piece);
    }
    return mergeAscii(piece);
  };

  return (chunk) => {
    if (chunk.length <= LONG_CHUNK) return countPiece(chunk);
    let n = 0;
    for (let from = 0; from < chunk.length;) {
      let to = Math.min(chunk.length, from + LONG_CHUNK);
      // Never cut between the two halves of a surrogate pair.
      const last = chunk.charCodeAt(to - 1);
      if (to < chunk.length && last >= 0xd800 && last <= 0xdbff) to--;
      n += countPiece(chunk.slice(from, to));
      from = to;
    }
    return n;
  };
}
