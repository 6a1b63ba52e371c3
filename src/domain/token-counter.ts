/**
 * Exact prompt-token counting at conversion speed.
 *
 * A BPE tokenizer first splits text into chunks with a fixed regular expression, then encodes
 * each chunk on its own; the token count of a text is the sum of the counts of its chunks. Code
 * repeats the same chunks endlessly (keywords, indentation, punctuation, common names), so we run
 * the model's own split expression and look each chunk up in a bounded cache, paying for BPE
 * only on a miss (byte-pair-count.ts, linear in the text). Short chunks (most of code) are
 * looked up first in a direct-mapped table of packed characters (hot-chunk-table.ts). The
 * result is the tokenizer's exact count (checked against it in the tests) except for chunks of
 * more than LONG_CHUNK characters, counted in pieces, several times faster than encoding
 * everything.
 *
 * `count` splits with V8's compiled regular expression (a hand-written ASCII splitter in
 * JavaScript, proven equal chunk for chunk, measured no faster: docs/performance-history.md).
 * `countAll`, for many texts at once, counts the ASCII ones in WebAssembly
 * (wasm-chunk-counter.ts: the same split rules, table and merge over bytes, the same counts).
 *
 * Library: gpt-tokenizer (pure JS, synchronous, the o200k and cl100k encodings): its token lists
 * (kept packed to load fast: token-list.ts) and split expressions. Its encoder (about 150 ms and
 * 32 MB to build) is built only for `exactChatTokens`, the reference the tests compare with.
 */
import type { ChatMessage } from 'gpt-tokenizer/GptEncoding';
import { createByteRankTable } from './byte-rank-table.ts';
import { createByteRankCounter, type ByteRanks } from './byte-pair-count.ts';
import { loadTokenList, type EncodingName, type TokenList } from './token-list.ts';
import { createUtf8PairCounter } from './utf8-pair-count.ts';
import { ChunkCountCache } from './chunk-count-cache.ts';
import { HOT_MAX, HotChunkTable } from './hot-chunk-table.ts';
import { createWasmChunkCounter, type WasmCounterOptions } from './wasm-chunk-counter.ts';

export type { EncodingName } from './token-list.ts';

interface EncodingApi {
  countTokens(text: string): number;
  encodeChat(
    chat: readonly ChatMessage[],
    model?: string,
    options?: { disallowedSpecial?: Set<string> },
  ): number[];
}

/** Models of the gpt-4 and gpt-3.5 families use cl100k; everything newer (and unknown) o200k. */
export function encodingForModel(model: string): EncodingName {
  const m = model.toLowerCase();
  if (/^(gpt-4o|gpt-4\.|gpt-5|chatgpt-|o\d)/.test(m)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5|gpt-35)/.test(m)) return 'cl100k_base';
  return 'o200k_base';
}

/** The chat model whose message framing gpt-tokenizer knows, for an encoding. */
const FRAMING_MODEL: Record<EncodingName, string> = {
  o200k_base: 'gpt-4o',
  cl100k_base: 'gpt-4',
};

/**
 * Tokens of the chat framing of `messages` messages with empty content, the reply primer
 * included: the library's `encodeChat` gives 4 a message and 3 for both encodings' chat models
 * (test/unit/token-counting.test.ts checks it against the library), so the library's encoder
 * need not be built to know it.
 */
const FRAMING_PER_MESSAGE = 4;
const FRAMING_PRIMER = 3;

/** The tokens' ranks by their bytes and the merge of chunks beyond ASCII, from the list alone. */
function byteRanksOf(list: TokenList): ByteRanks {
  const table = createByteRankTable(list);
  const countOther = createUtf8PairCounter(table);
  return { rankOf: (text, from, to) => table.rankOf(text, from, to), countOther };
}

/**
 * Tokens of every two-character ASCII chunk (one chunk in six on real code), at
 * `(first << 7) | second`: 1 when the two bytes are a token, else 2 (every single byte is one).
 * The merge would give the same (test/unit/token-counting.test.ts compares them).
 */
export function asciiPairCounts(list: TokenList): Uint8Array {
  const pairs = new Uint8Array(128 * 128).fill(2);
  const { starts, bytes } = list;
  for (let rank = 0; rank < list.count; rank++) {
    const at = starts[rank]!;
    if (starts[rank + 1]! - at !== 2) continue;
    const first = bytes[at]!;
    const second = bytes[at + 1]!;
    if (first < 128 && second < 128) pairs[(first << 7) | second] = 1;
  }
  return pairs;
}

/**
 * An encoding's token list (token-list.ts: the library's, packed to load fast) and split
 * expression. Its encoder (the library's API) is loaded only when asked for: exactChatTokens,
 * a reference.
 */
async function loadEncoding(name: EncodingName): Promise<{
  list: TokenList;
  split: RegExp;
  api: () => Promise<EncodingApi>;
}> {
  const constants = await import('gpt-tokenizer/encodingParams/constants');
  const o200k = name === 'o200k_base';
  const re = o200k ? constants.O200K_TOKEN_SPLIT_REGEX : constants.CL100K_TOKEN_SPLIT_REGEX;
  return {
    list: await loadTokenList(name),
    split: new RegExp(re.source, re.flags),
    api: async () =>
      o200k
        ? (await import('gpt-tokenizer/encoding/o200k_base')).default
        : (await import('gpt-tokenizer/encoding/cl100k_base')).default,
  };
}

export interface TokenCounter {
  readonly encoding: EncodingName;
  /** Tokens of `text` as message content (special-token text counts as ordinary text). */
  count(text: string): number;
  /** `counts[i]` = `count(texts[i])` for every text, faster for many (WebAssembly for ASCII). */
  countAll(texts: readonly string[], counts: Int32Array): void;
  /** Tokens of the chat framing of `messages` messages plus the reply primer. */
  chatFramingTokens(messages: number): number;
  /** The reference: the tokenizer's own count of a whole chat, without any cache. */
  exactChatTokens(messages: readonly { role: string; content: string }[]): Promise<number>;
}

export interface TokenCounterOptions {
  /** log2 of the cache slots; the cache is emptied when half full (memory stays bounded). */
  readonly cacheSlotsLog2?: number;
  /** log2 of the slots of the table of short chunks in front of the cache (hot-chunk-table.ts). */
  readonly hotSlotsLog2?: number;
  /** Sizes of the WebAssembly counter of countAll (wasm-chunk-counter.ts). */
  readonly wasm?: WasmCounterOptions;
}

export async function createTokenCounter(
  encoding: EncodingName,
  options: TokenCounterOptions = {},
): Promise<TokenCounter> {
  const { list, split, api } = await loadEncoding(encoding);
  // The table of ranks by bytes is made on the first chunk counted here, not before the first
  // answer: the WebAssembly counter has its own, and real code rarely needs this one.
  let countChunk = (chunk: string): number => {
    countChunk = createByteRankCounter(byteRanksOf(list));
    return countChunk(chunk);
  };
  const cache = new ChunkCountCache(options.cacheSlotsLog2 ?? 18, (chunk) => countChunk(chunk));
  const pairs = asciiPairCounts(list);
  // 65,536 slots (1 MB): at 8,192 short chunks of real code missed it 2.8 times as often.
  const hot = new HotChunkTable(options.hotSlotsLog2 ?? 16);
  const cached = (text: string, from: number, to: number): number => cache.count(text, from, to);
  const framing = FRAMING_MODEL[encoding];
  const noSpecial = { disallowedSpecial: new Set<string>() };

  const countText = (text: string): number => {
    let total = 0;
    let from = 0;
    split.lastIndex = 0;
    // The split expression matches every character of the text, chunk by chunk.
    while (split.test(text)) {
      const to = split.lastIndex;
      const len = to - from;
      if (len === 1 && text.charCodeAt(from) < 128) total += 1;
      else if (len === 2 && (text.charCodeAt(from) | text.charCodeAt(from + 1)) < 128)
        total += pairs[(text.charCodeAt(from) << 7) | text.charCodeAt(from + 1)]!;
      else if (len <= HOT_MAX) total += hot.count(text, from, to, cached);
      else total += cache.count(text, from, to);
      from = to;
    }
    return total;
  };
  // ASCII texts, many at a time: split and looked up in WebAssembly (wasm-chunk-counter.ts).
  const many = createWasmChunkCounter(
    encoding === 'o200k_base',
    list,
    pairs,
    countText,
    options.wasm ?? {},
  );

  return {
    encoding,
    count: countText,
    countAll: (texts, counts) => many.countAll(texts, counts),
    chatFramingTokens: (messages: number): number =>
      FRAMING_PER_MESSAGE * messages + FRAMING_PRIMER,
    async exactChatTokens(messages) {
      const chat = messages.map((m) => ({
        role: m.role,
        content: m.content,
      }));
      return (await api()).encodeChat(chat, framing, noSpecial).length;
    },
  };
}

/** One counter per encoding, loaded on first use and shared after. */
export function tokenCounters(
  options: TokenCounterOptions = {},
): (encoding: EncodingName) => Promise<TokenCounter> {
  const loaded = new Map<EncodingName, Promise<TokenCounter>>();
  return (encoding) => {
    let counter = loaded.get(encoding);
    if (counter === undefined) {
      counter = createTokenCounter(encoding, options);
      loaded.set(encoding, counter);
    }
    return counter;
  };
}
