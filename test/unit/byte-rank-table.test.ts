import assert from 'node:assert/strict';
import { test } from 'node:test';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { createByteRankTable } from '../../src/domain/byte-rank-table.ts';
import { loadTokenList } from '../../src/domain/token-list.ts';
import { prng } from '../support/slice-generator.ts';

interface Core {
  bytePairRankDecoder: readonly unknown[];
  getBpeRankFromString(text: string): number | undefined;
}
const coreOf = (api: unknown): Core =>
  (api as { bytePairEncodingCoreProcessor: Core }).bytePairEncodingCoreProcessor;

test('the rank table gives the library’s rank of every ASCII token, and -1 for other text', async () => {
  const rnd = prng(7);
  for (const [api, encoding] of [
    [o200k, 'o200k_base'],
    [cl100k, 'cl100k_base'],
  ] as const) {
    const core = coreOf(api);
    const table = createByteRankTable(await loadTokenList(encoding));
    let ascii = 0;
    core.bytePairRankDecoder.forEach((token) => {
      if (
        typeof token !== 'string' ||
        token === '' ||
        [...token].some((c) => c.charCodeAt(0) > 127)
      )
        return;
      ascii++;
      // Looked up where it lies inside a longer text, as the merge does.
      const text = `ab${token}cd`;
      assert.equal(table.rankOf(text, 2, 2 + token.length), core.getBpeRankFromString(token));
    });
    assert.ok(ascii > 50_000, `${ascii} ASCII tokens`);
    // Random ASCII strings: most are no token, some are.
    let none = 0;
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      const n = 1 + Math.floor(rnd() * 8);
      for (let j = 0; j < n; j++) s += String.fromCharCode(32 + Math.floor(rnd() * 95));
      const expected = core.getBpeRankFromString(s) ?? -1;
      if (expected < 0) none++;
      assert.equal(table.rankOf(s, 0, s.length), expected, JSON.stringify(s));
    }
    assert.ok(none > 1000);
  }
});
