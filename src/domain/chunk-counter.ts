/**
 * Counting a text chunk by chunk: the encoding's split expression cuts it, and each chunk's
 * count comes from the cheapest place that has it: one ASCII character is one token, two
 * ASCII characters a table, short chunks the hot table (hot-chunk-table.ts), the others the
 * chunk cache (chunk-count-cache.ts), and only what none of them holds is merged
 * (`countChunk`). Pure but for its caches.
 *
 * `countChunk` may answer -1 for a chunk it cannot count (the conversion thread's counter only
 * knows ASCII tokens, ascii-token-counter.ts); the text's count is then -1 too.
 */
import { ChunkCountCache } from './chunk-count-cache.ts';
import { HOT_MAX, HotChunkTable } from './hot-chunk-table.ts';

export interface ChunkCounterOptions {
  /** log2 of the cache slots; the cache is emptied when half full (memory stays bounded). */
  readonly cacheSlotsLog2?: number;
  /** log2 of the slots of the table of short chunks in front of the cache (hot-chunk-table.ts). */
  readonly hotSlotsLog2?: number;
}

/** Tokens of a text, or -1 when `countChunk` answered -1 for one of its chunks. */
export function createChunkCounter(
  split: RegExp,
  countChunk: (chunk: string) => number,
  options: ChunkCounterOptions = {},
): (text: string) => number {
  const cache = new ChunkCountCache(options.cacheSlotsLog2 ?? 18, countChunk);
  // Tokens of every two-character ASCII chunk (one chunk in six on real code), without the cache.
  const pairs = new Int8Array(128 * 128);
  for (let i = 0; i < pairs.length; i++) {
    pairs[i] = countChunk(String.fromCharCode(i >> 7, i & 127));
  }
  const hot = new HotChunkTable(options.hotSlotsLog2 ?? 13);
  const cached = (text: string, from: number, to: number): number => cache.count(text, from, to);
  return (text) => {
    let total = 0;
    let from = 0;
    let unknown = 0;
    split.lastIndex = 0;
    // The split expression matches every character of the text, chunk by chunk.
    while (split.test(text)) {
      const to = split.lastIndex;
      const len = to - from;
      let n: number;
      if (len === 1 && text.charCodeAt(from) < 128) n = 1;
      else if (len === 2 && (text.charCodeAt(from) | text.charCodeAt(from + 1)) < 128)
        n = pairs[(text.charCodeAt(from) << 7) | text.charCodeAt(from + 1)]!;
      else if (len <= HOT_MAX) n = hot.count(text, from, to, cached);
      else n = cache.count(text, from, to);
      total += n;
      unknown |= n;
      from = to;
    }
    return unknown < 0 ? -1 : total;
  };
}
