import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { HOT_MAX, HotChunkTable } from '../../src/domain/hot-chunk-table.ts';
import { createTokenCounter } from '../../src/domain/token-counter.ts';
import { listFiles } from '../../src/storage/list-files.ts';
import { prng } from '../support/slice-generator.ts';

const noSpecial = { disallowedSpecial: new Set<string>() };
const root = join(import.meta.dirname, '..', '..');

test('the table answers every chunk as the counter behind it, through any replacement', () => {
  // A stand-in count that tells every chunk apart: a wrong entry would give a wrong answer.
  const truth = (text: string, from: number, to: number): number => {
    let h = to - from;
    for (let i = from; i < to; i++) h = (h * 31 + text.charCodeAt(i)) % 1_000_003;
    return h;
  };
  let asked = 0;
  const miss = (text: string, from: number, to: number): number => {
    asked++;
    return truth(text, from, to);
  };
  // Characters that pack alike when a length is ignored (NUL), Latin-1, and beyond Latin-1.
  const alphabet = ['a', 'b', '\u0000', ' ', '\u00e9', '\u00ff', '\u0100', '数', '\n'];
  const rnd = prng(5);
  const table = new HotChunkTable(2); // 4 slots: constant replacement
  const seen: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    let chunk: string;
    if (seen.length > 0 && rnd() < 0.5) chunk = seen[Math.floor(rnd() * seen.length)]!;
    else {
      const len = 3 + Math.floor(rnd() * (HOT_MAX - 2));
      chunk = '';
      for (let j = 0; j < len; j++) chunk += alphabet[Math.floor(rnd() * alphabet.length)];
      seen.push(chunk);
    }
    const text = `xy${chunk}z`;
    assert.equal(
      table.count(text, 2, 2 + chunk.length, miss),
      truth(chunk, 0, chunk.length),
      JSON.stringify(chunk),
    );
  }
  // Hits happened (some chunks were answered from the table) and so did replacements.
  assert.ok(asked < 20_000 && asked > 10_000, String(asked));
});

test('chunks that pack alike but differ in length are told apart', () => {
  const table = new HotChunkTable(0); // one slot: every chunk meets the last one
  const miss = (text: string, from: number, to: number): number => to - from;
  assert.equal(table.count('ab\u0000', 0, 3, miss), 3);
  assert.equal(table.count('ab\u0000\u0000', 0, 4, miss), 4);
  assert.equal(table.count('ab\u0000', 0, 3, miss), 3);
});

test('chunks beyond Latin-1 are never taken from the table', () => {
  const table = new HotChunkTable(4);
  let asked = 0;
  const miss = (): number => ++asked;
  for (let i = 0; i < 3; i++) table.count('数据库', 0, 3, miss);
  assert.equal(asked, 3);
  table.count('abc', 0, 3, miss);
  table.count('abc', 0, 3, miss);
  assert.equal(asked, 4);
});

test('with a tiny table the counter still gives the tokenizer count of real and random text', async () => {
  const counters = [
    [await createTokenCounter('o200k_base', { cacheSlotsLog2: 6, hotSlotsLog2: 3 }), o200k],
    [await createTokenCounter('cl100k_base', { cacheSlotsLog2: 6, hotSlotsLog2: 3 }), cl100k],
  ] as const;
  const files = await listFiles(join(root, 'src', 'domain'), (rel) => rel.endsWith('.ts'));
  assert.ok(files.length > 20);
  for (const f of files) {
    const text = await readFile(f.path, 'utf8');
    for (const [counter, api] of counters) {
      assert.equal(counter.count(text), api.encode(text, noSpecial).length, f.rel);
    }
  }
  const rnd = prng(9);
  const alphabet = 'aB1 _\n\t.(\u00e9\u00ff数🎉\'"';
  for (let i = 0; i < 300; i++) {
    let text = '';
    const n = 1 + Math.floor(rnd() * 80);
    for (let j = 0; j < n; j++) text += [...alphabet][Math.floor(rnd() * [...alphabet].length)];
    for (const [counter, api] of counters) {
      assert.equal(counter.count(text), api.encode(text, noSpecial).length, JSON.stringify(text));
    }
  }
});
