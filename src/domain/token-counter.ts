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
 * JavaScript, proven equal chunk for chunk, measured no faster: docs/performance.md).
 * `countAll`, for many texts at once, counts the ASCII ones in WebAssembly
 * (wasm-chunk-counter.ts: the same split rules, table and merge over bytes, the same counts).
 *
 * Library: gpt-tokenizer (pure JS, synchronous, the o200k and cl100k encodings).
 */
import type { ChatMessage } from 'gpt-tokenizer/GptEncoding';
import { createAsciiRankTable } from './ascii-rank-table.ts';
import { createByteRankCounter, type ByteRanks } from './byte-pair-count.ts';
import { ChunkCountCache } from './chunk-count-cache.ts';
import { HOT_MAX, HotChunkTable } from './hot-chunk-table.ts';
import { createWasmChunkCounter, type WasmCounterOptions } from './wasm-chunk-counter.ts';

export type EncodingName = 'o200k_base' | 'cl100k_base';

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

/** The library's BPE core (not in its typings): its tokens, rank look-ups and its own merge. */
interface BpeCore {
  bytePairRankDecoder: readonly unknown[];
  getBpeRankFromString(text: string): number | undefined;
  bytePairEncode(text: string): number[];
}

function bpeCoreOf(api: EncodingApi): BpeCore {
  const core = (api as unknown as { bytePairEncodingCoreProcessor?: BpeCore })
    .bytePairEncodingCoreProcessor;
  if (
    typeof core?.getBpeRankFromString !== 'function' ||
    typeof core.bytePairEncode !== 'function' ||
    !Array.isArray(core.bytePairRankDecoder)
  ) {
    throw new Error('gpt-tokenizer: its BPE core is not where this version expects it');
  }
  return core;
}

function byteRanksOf(core: BpeCore): ByteRanks {
  const ascii = createAsciiRankTable(core.bytePairRankDecoder);
  return {
    rankOf: (text, from, to) => ascii.rankOf(text, from, to),
    countOther: (chunk) =>
      core.getBpeRankFromString(chunk) !== undefined ? 1 : core.bytePairEncode(chunk).length,
  };
}

async function loadEncoding(name: EncodingName): Promise<{ api: EncodingApi; split: RegExp }> {
  const constants = await import('gpt-tokenizer/encodingParams/constants');
  if (name === 'o200k_base') {
    const mod = await import('gpt-tokenizer/encoding/o200k_base');
    const re = constants.O200K_TOKEN_SPLIT_REGEX;
    return { api: mod.default, split: new RegExp(re.source, re.flags) };
  }
  const mod = await import('gpt-tokenizer/encoding/cl100k_base');
  const re = constants.CL100K_TOKEN_SPLIT_REGEX;
  return { api: mod.default, split: new RegExp(re.source, re.flags) };
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
  exactChatTokens(messages: readonly { role: string; content: string }[]): number;
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
  const { api, split } = await loadEncoding(encoding);
  const core = bpeCoreOf(api);
  const countChunk = createByteRankCounter(byteRanksOf(core));
  const cache = new ChunkCountCache(options.cacheSlotsLog2 ?? 18, countChunk);
  // Tokens of every two-character ASCII chunk (one chunk in six on real code), without the cache.
  const pairs = new Uint8Array(128 * 128);
  for (let i = 0; i < pairs.length; i++) {
    pairs[i] = countChunk(String.fromCharCode(i >> 7, i & 127));
  }
  // 65,536 slots (1 MB): at 8,192 short chunks of real code missed it 2.8 times as often.
  const hot = new HotChunkTable(options.hotSlotsLog2 ?? 16);
  const cached = (text: string, from: number, to: number): number => cache.count(text, from, to);
  const framing = FRAMING_MODEL[encoding];
  const noSpecial = { disallowedSpecial: new Set<string>() };

  const emptyChat = (messages: number): ChatMessage[] =>
    Array.from({ length: messages }, (_, i) => ({
      role: i === 0 ? 'system' : 'user',
      content: '',
    }));
  const framingCache = new Map<number, number>();

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
    core.bytePairRankDecoder,
    pairs,
    countText,
    options.wasm ?? {},
  );

  return {
    encoding,
    count: countText,
    countAll: (texts, counts) => many.countAll(texts, counts),
    chatFramingTokens(messages: number): number {
      let n = framingCache.get(messages);
      if (n === undefined) {
        n = api.encodeChat(emptyChat(messages), framing).length;
        framingCache.set(messages, n);
      }
      return n;
    },
    exactChatTokens(messages): number {
      const chat = messages.map((m) => ({
        role: m.role,
        content: m.content,
      }));
      return api.encodeChat(chat, framing, noSpecial).length;
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
