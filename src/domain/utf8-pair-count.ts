/**
 * Tokens of a piece of a pre-split chunk that is not all ASCII: byte-pair merging over its UTF-8
 * bytes, as the tokenizer does it (the lowest-ranked adjacent pair first, the leftmost of equal
 * ones), without the tokenizer library's encoder. That encoder takes about 150 ms and 32 MB to
 * build per encoding, on the path of the conversion's first answer, for the few chunks beyond
 * ASCII (about one text in 200 on real code).
 *
 * The bytes are held as a one-byte string (each character one byte), and every candidate is
 * looked up in place in the table of the tokens' bytes (byte-rank-table.ts). The same ranks as
 * the library's: test/unit/utf8-pair-count.test.ts compares both on real and random text.
 */
import type { ByteRankTable } from './byte-rank-table.ts';
import { createPairMerge } from './byte-pair-count.ts';

/** A counter of pieces beyond ASCII with the ranks of `table`. */
export function createUtf8PairCounter(table: ByteRankTable): (piece: string) => number {
  const merge = createPairMerge((b, from, to) => table.rankOf(b, from, to));
  return (piece) => merge(Buffer.from(piece, 'utf8').toString('latin1'));
}
