/**
 * The token lists committed packed (src/domain/token-list-*.ts, built by `npm run
 * build:token-lists`) are the installed tokenizer library's, rank by rank: this fails when the
 * library is updated and the lists are not built again.
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { test } from 'node:test';
import o200kRanks from 'gpt-tokenizer/bpeRanks/o200k_base';
import cl100kRanks from 'gpt-tokenizer/bpeRanks/cl100k_base';
import {
  decodeTokenList,
  encodeTokenList,
  loadTokenList,
  packTokenList,
  type TokenList,
} from '../../src/domain/token-list.ts';

const bytesOf = (list: TokenList, rank: number): Buffer =>
  Buffer.from(list.bytes.subarray(list.starts[rank], list.starts[rank + 1]));

for (const [encoding, ranks] of [
  ['o200k_base', o200kRanks],
  ['cl100k_base', cl100kRanks],
] as const) {
  test(`${encoding}: the committed list holds the library's tokens at their ranks`, async () => {
    const decoder = ranks as readonly (string | readonly number[])[];
    const list = await loadTokenList(encoding);
    assert.equal(list.count, decoder.length);
    let unreachable = 0;
    for (let rank = 0; rank < decoder.length; rank++) {
      const token = decoder[rank]!;
      const bytes = bytesOf(list, rank);
      if (typeof token === 'string') {
        assert.deepEqual(bytes, Buffer.from(token, 'utf8'), `rank ${rank}`);
      } else if (isUtf8(Buffer.from(token))) {
        // Never reached by the library's encoder (it looks such bytes up as text): the tokens
        // that start with a byte order mark.
        assert.equal(bytes.length, 0, `rank ${rank}`);
        assert.deepEqual(token.slice(0, 3), [0xef, 0xbb, 0xbf], `rank ${rank}`);
        unreachable++;
      } else {
        assert.deepEqual(bytes, Buffer.from(token), `rank ${rank}`);
      }
    }
    assert.equal(list.starts[list.count], list.bytes.length);
    assert.equal(unreachable, encoding === 'o200k_base' ? 9 : 8);
  });
}

test('a list packed, encoded and decoded gives every token back, the unreachable ones empty', () => {
  const decoder = ['a', 'é', [0xff, 0xfe], [0xef, 0xbb, 0xbf], 'a b', [0x80]];
  const list = decodeTokenList(encodeTokenList(packTokenList(decoder)));
  assert.equal(list.count, 6);
  const back = Array.from({ length: list.count }, (_, r) => [...bytesOf(list, r)]);
  assert.deepEqual(back, [[0x61], [0xc3, 0xa9], [0xff, 0xfe], [], [0x61, 0x20, 0x62], [0x80]]);
  assert.throws(() => packTokenList(['x'.repeat(256)]), /token 0: 256 bytes/);
});
