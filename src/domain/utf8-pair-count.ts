/**
 * Tokens of a piece of a pre-split chunk that is not all ASCII: byte-pair merging over its UTF-8
 * bytes, as the tokenizer does it (the lowest-ranked adjacent pair first, the leftmost of equal
 * ones), without the tokenizer library's encoder. That encoder takes about 150 ms and 32 MB to
 * build per encoding, on the path of the conversion's first answer, for the few chunks beyond
 * ASCII (about one text in 200 on real code).
 *
 * The bytes are held as a one-byte string (each character one byte): a candidate of ASCII bytes
 * is looked up in place in the ASCII tokens' table (ascii-rank-table.ts), any other in a map of
 * the tokens that have a byte beyond ASCII (a third of o200k's, made on the first such piece).
 * The same ranks as the library's: test/unit/utf8-pair-count.test.ts compares both on real
 * and random text.
 */
import { isUtf8 } from 'node:buffer';
import type { AsciiRankTable } from './ascii-rank-table.ts';
import { createPairMerge } from './byte-pair-count.ts';

/**
 * The ranks of the tokens of `decoder` (rank → token text, or bytes) with a byte beyond ASCII,
 * by their bytes as a one-byte string.
 */
function nonAsciiRanks(decoder: readonly unknown[]): Map<string, number> {
  const ranks = new Map<string, number>();
  decoder.forEach((token, rank) => {
    let key: string;
    if (typeof token === 'string') {
      let ascii = true;
      for (let i = 0; i < token.length && ascii; i++) ascii = token.charCodeAt(i) < 128;
      if (ascii) return;
      key = Buffer.from(token, 'utf8').toString('latin1');
    } else {
      // The library looks bytes that are valid UTF-8 up as text only: such a token given as
      // bytes (o200k's byte order mark) is never reached; neither is it here.
      const bytes = Buffer.from(token as readonly number[]);
      if (isUtf8(bytes)) return;
      key = bytes.toString('latin1');
    }
    if (!ranks.has(key)) ranks.set(key, rank);
  });
  return ranks;
}

/** A counter of pieces beyond ASCII with the ranks of `decoder`. */
export function createUtf8PairCounter(
  decoder: readonly unknown[],
  ascii: AsciiRankTable,
): (piece: string) => number {
  let other: Map<string, number> | undefined;
  const merge = createPairMerge((b, from, to) => {
    for (let i = from; i < to; i++) {
      if (b.charCodeAt(i) > 127) {
        other ??= nonAsciiRanks(decoder);
        return other.get(b.slice(from, to)) ?? -1;
      }
    }
    return ascii.rankOf(b, from, to);
  });
  return (piece) => merge(Buffer.from(piece, 'utf8').toString('latin1'));
}
