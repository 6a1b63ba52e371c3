import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { LONG_CHUNK } from '../../src/domain/byte-pair-count.ts';
import { createTokenCounter } from '../../src/domain/token-counter.ts';
import { listFiles } from '../../src/storage/list-files.ts';
import { prng } from '../support/slice-generator.ts';

const noSpecial = { disallowedSpecial: new Set<string>() };
const root = join(import.meta.dirname, '..', '..');

test('on real text (this repository: code, docs, non-ASCII) every file counts exactly as the tokenizer, or within the long-chunk bound', async () => {
  const files = [
    ...(await listFiles(join(root, 'src'), (rel) => rel.endsWith('.ts'))),
    ...(await listFiles(join(root, 'docs'), (rel) => rel.endsWith('.md'))),
    ...(await listFiles(join(root, 'bench'), (rel) => /\.(ts|py)$/.test(rel))),
  ];
  assert.ok(files.length > 50);
  const counters = [
    [await createTokenCounter('o200k_base'), o200k],
    [await createTokenCounter('cl100k_base'), cl100k],
  ] as const;
  let beyondAscii = 0;
  for (const f of files) {
    const text = await readFile(f.path, 'utf8');
    if (/[^\t\n\r -~]/.test(text)) beyondAscii++;
    // A pre-split chunk over LONG_CHUNK characters (a long run of dashes in a Markdown table,
    // say) is merged in pieces: within the bound of the next test, not exact.
    const longRun = new RegExp(`\\S{${LONG_CHUNK + 1},}|\\s{${LONG_CHUNK + 1},}`).test(text);
    for (const [counter, api] of counters) {
      const ours = counter.count(text);
      const exact = api.encode(text, noSpecial).length;
      if (!longRun) assert.equal(ours, exact, f.rel);
      else {
        assert.ok(ours >= exact * 0.995, `${f.rel}: ${ours} is more than 0.5 % under ${exact}`);
        assert.ok(ours <= exact + Math.ceil(text.length / LONG_CHUNK), `${f.rel}: ${ours}`);
      }
    }
  }
  assert.ok(beyondAscii > 5, 'some files have characters beyond ASCII');
});

test(`chunks longer than ${LONG_CHUNK} characters count at most a token more per piece, never 0.5 % fewer`, async () => {
  const rnd = prng(21);
  const alphabets = [
    'a',
    'ab',
    'QUJD',
    'abcdefghijklmnopqrstuvwxyz',
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    ' ',
    '=-',
    '#*~!',
    'éàü',
    '数据库表',
  ];
  for (const [encoding, api] of [
    ['o200k_base', o200k],
    ['cl100k_base', cl100k],
  ] as const) {
    const counter = await createTokenCounter(encoding);
    for (let i = 0; i < 30; i++) {
      const alphabet = alphabets[i % alphabets.length]!;
      const length = LONG_CHUNK + 1 + Math.floor(rnd() * 2500);
      let run = '';
      while (run.length < length) run += alphabet[Math.floor(rnd() * alphabet.length)];
      const text = `x = "${run}"\n`;
      const exact = api.encode(text, noSpecial).length;
      const pieces = Math.ceil(run.length / LONG_CHUNK);
      const counted = counter.count(text);
      assert.ok(
        counted >= exact * 0.995,
        `${encoding} ${alphabet} ${run.length}: ${counted} < ${exact}`,
      );
      assert.ok(
        counted <= exact + pieces,
        `${encoding} ${alphabet}: ${counted} > ${exact}+${pieces}`,
      );
    }
  }
});
