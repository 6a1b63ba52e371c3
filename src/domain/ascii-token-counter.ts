/**
 * Token counts of texts whose chunks are ASCII, with the ASCII tokens' ranks another thread
 * built (ascii-rank-table.ts, shared memory): the conversion thread counts part of the texts
 * itself when the helper thread falls behind, without loading the tokenizer (its tables take
 * tens of MB a thread). The same split, caches and merge as token-counter.ts, so the counts are
 * the same; a text with a chunk beyond ASCII gets -1 (the helper thread counts it).
 */
import {
  CL100K_TOKEN_SPLIT_REGEX,
  O200K_TOKEN_SPLIT_REGEX,
} from 'gpt-tokenizer/encodingParams/constants';
import { asciiRankTableOf, type AsciiRankArrays } from './ascii-rank-table.ts';
import { createByteRankCounter } from './byte-pair-count.ts';
import { createChunkCounter, type ChunkCounterOptions } from './chunk-counter.ts';
import type { EncodingName } from './token-counter.ts';

/** Tokens of `text`, or -1 when a chunk of it is not all ASCII. */
export type AsciiTokenCounter = (text: string) => number;

export function createAsciiTokenCounter(
  encoding: EncodingName,
  arrays: AsciiRankArrays,
  options: ChunkCounterOptions = {},
): AsciiTokenCounter {
  const re = encoding === 'o200k_base' ? O200K_TOKEN_SPLIT_REGEX : CL100K_TOKEN_SPLIT_REGEX;
  const table = asciiRankTableOf(arrays);
  const merge = createByteRankCounter({
    rankOf: (text, from, to) => table.rankOf(text, from, to),
    countOther: () => -1,
  });
  // Checked before merging (a long chunk is merged in pieces, whose counts would be summed).
  const countChunk = (chunk: string): number => {
    for (let i = 0; i < chunk.length; i++) if (chunk.charCodeAt(i) > 127) return -1;
    return merge(chunk);
  };
  return createChunkCounter(new RegExp(re.source, re.flags), countChunk, options);
}
