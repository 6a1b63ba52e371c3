/**
 * Pieces beyond ASCII are merged over their UTF-8 bytes without the library's encoder
 * (domain/utf8-pair-count.ts): the same token counts as the library's own merge, on text in
 * many scripts, emoji, lone surrogates and random mixes; and the chat framing the counter
 * computes is the library's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import {
  O200K_TOKEN_SPLIT_REGEX,
  CL100K_TOKEN_SPLIT_REGEX,
} from 'gpt-tokenizer/encodingParams/constants';
import { createByteRankTable } from '../../src/domain/byte-rank-table.ts';
import { loadTokenList } from '../../src/domain/token-list.ts';
import { createUtf8PairCounter } from '../../src/domain/utf8-pair-count.ts';
import { createTokenCounter } from '../../src/domain/token-counter.ts';
import { prng } from '../support/slice-generator.ts';

/** The library's merge of one pre-split chunk (its BPE core, not in its typings). */
interface Core {
  getBpeRankFromString(text: string): number | undefined;
  bytePairEncode(text: string): number[];
}
const coreOf = (api: unknown): Core =>
  (api as { bytePairEncodingCoreProcessor: Core }).bytePairEncodingCoreProcessor;
const libraryCount = (core: Core, chunk: string): number =>
  core.getBpeRankFromString(chunk) !== undefined ? 1 : core.bytePairEncode(chunk).length;

const SAMPLES = [
  'naïve café résumé — “quoted” ‘text’ … ½ × ÷ ≤ ≥ ≠ ∞ → ←',
  'Привет, мир! Это проверка токенизатора: съешь же ещё этих мягких французских булок.',
  'Γειά σου Κόσμε, αλφάβητο ελληνικό. שלום עולם. مرحبا بالعالم. नमस्ते दुनिया.',
  '漢字とひらがなとカタカナ、中文的句子，한국어 문장입니다。全角ＡＢＣ１２３',
  'emoji 🐍🚀👩‍💻🇫🇷 and ⚠️ ✓ ✗ ★ ☆ ♥ and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛',
  '# -*- coding: utf-8 -*-\ndef grüße(name: str) -> str:\n    return f"Grüß Gott, {name}!"  # ñ',
  `lone halves: \ud800 x \udfff y \udbff\udc00 z`,
  '\u00a0\u2003\u3000 spaces beyond ASCII \u200b\u200d\ufeff',
];

function randomText(rnd: () => number, n: number): string {
  const ranges = [
    [0x20, 0x7e],
    [0xa0, 0x24f],
    [0x370, 0x3ff],
    [0x400, 0x4ff],
    [0x3040, 0x30ff],
    [0x4e00, 0x4fff],
    [0xac00, 0xacff],
    [0x1f300, 0x1f64f],
    [0xd800, 0xdfff],
  ] as const;
  let s = '';
  for (let i = 0; i < n; i++) {
    const [lo, hi] = ranges[Math.floor(rnd() * ranges.length)]!;
    s += String.fromCodePoint(lo + Math.floor(rnd() * (hi - lo + 1)));
    if (rnd() < 0.15) s += ' ';
  }
  return s;
}

for (const [name, api, splitRe] of [
  ['o200k_base', o200k, O200K_TOKEN_SPLIT_REGEX],
  ['cl100k_base', cl100k, CL100K_TOKEN_SPLIT_REGEX],
] as const) {
  test(`${name}: every chunk beyond ASCII counts as the library merges it`, async () => {
    const count = createUtf8PairCounter(createByteRankTable(await loadTokenList(name)));
    const core = coreOf(api);
    const rnd = prng(7);
    const texts = [...SAMPLES];
    for (let i = 0; i < 300; i++) texts.push(randomText(rnd, 5 + Math.floor(rnd() * 60)));
    const split = new RegExp(splitRe.source, splitRe.flags);
    let chunks = 0;
    for (const text of texts) {
      for (const chunk of text.match(split) ?? []) {
        if (![...chunk].some((c) => c.charCodeAt(0) > 127)) continue;
        chunks++;
        assert.equal(count(chunk), libraryCount(core, chunk), JSON.stringify(chunk));
      }
    }
    assert.ok(chunks > 1000, `${chunks} chunks beyond ASCII`);
  });

  test(`${name}: the chat framing counted without the library is the library's`, async () => {
    const counter = await createTokenCounter(name);
    const model = name === 'o200k_base' ? 'gpt-4o' : 'gpt-4';
    for (let n = 0; n <= 12; n++) {
      const chat = Array.from({ length: n }, (_, i) => ({
        role: i === 0 ? 'system' : 'user',
        content: '',
      }));
      assert.equal(counter.chatFramingTokens(n), api.encodeChat(chat, model).length, `${n}`);
    }
  });
}
