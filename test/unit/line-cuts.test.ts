import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import {
  CL100K_TOKEN_SPLIT_REGEX,
  O200K_TOKEN_SPLIT_REGEX,
} from 'gpt-tokenizer/encodingParams/constants';
import { nextLineCut } from '../../src/domain/line-cuts.ts';
import { createTokenCounter } from '../../src/domain/token-counter.ts';
import { listFiles } from '../../src/storage/list-files.ts';
import { prng } from '../support/slice-generator.ts';

const noSpecial = { disallowedSpecial: new Set<string>() };
const root = join(import.meta.dirname, '..', '..');

/** Where the split expression ends its chunks in `text`. */
function chunkEnds(split: RegExp, text: string): Set<number> {
  const ends = new Set<number>();
  for (const m of text.matchAll(new RegExp(split.source, split.flags))) {
    ends.add(m.index + m[0].length);
  }
  return ends;
}

function cutsOf(text: string): number[] {
  const cuts: number[] = [];
  for (let c = nextLineCut(text, 0); c >= 0; c = nextLineCut(text, c)) cuts.push(c);
  return cuts;
}

// What lines start and end with: every kind of whitespace and newline, slashes, punctuation
// that takes newlines, letters, digits, characters beyond ASCII.
const STARTS = [
  '',
  ' ',
  '    ',
  '\t',
  ' \t ',
  '\u00a0',
  '\u3000 ',
  '\u2028',
  '/',
  '//',
  ' /',
  '#',
  '"""',
  "'s",
];
const BODIES = [
  'return x',
  'x = 1',
  'def f(a, b):',
  'Über 数据',
  '123456',
  '):',
  '',
  '  ',
  '})',
  'ABCdef',
  '🎉',
  '<|endoftext|>',
];
const ENDS = ['\n', '\n', '\n\n', '\r\n', ' \n', '\n \n', ':\n', '\u00a0\n', '/\n', '\t\n'];

function randomLines(rnd: () => number, pool: readonly string[], n: number): string {
  let text = '';
  for (let i = 0; i < n; i++) text += pool[Math.floor(rnd() * pool.length)];
  return text;
}

function linePool(rnd: () => number, n: number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: n }, () => pick(STARTS) + pick(BODIES) + pick(ENDS));
}

test('every line cut is where both split expressions end a chunk (random lines)', () => {
  const rnd = prng(41);
  const pool = linePool(rnd, 200);
  let cuts = 0;
  for (let i = 0; i < 2000; i++) {
    const text = randomLines(rnd, pool, 1 + Math.floor(rnd() * 12));
    for (const split of [O200K_TOKEN_SPLIT_REGEX, CL100K_TOKEN_SPLIT_REGEX]) {
      const ends = chunkEnds(split, text);
      for (const c of cutsOf(text)) {
        assert.ok(
          ends.has(c),
          `${split === O200K_TOKEN_SPLIT_REGEX} ${JSON.stringify(text)} @${c}`,
        );
      }
    }
    cuts += cutsOf(text).length;
  }
  assert.ok(cuts > 5000, `only ${cuts} cuts: the test would not see much`);
});

test('every line cut in this repository’s files is where both split expressions end a chunk', async () => {
  const files = [
    ...(await listFiles(join(root, 'src'), (rel) => rel.endsWith('.ts'))),
    ...(await listFiles(join(root, 'docs'), (rel) => rel.endsWith('.md'))),
    ...(await listFiles(join(root, 'bench'), (rel) => /\.(ts|py)$/.test(rel))),
  ];
  let cuts = 0;
  for (const f of files) {
    const text = await readFile(f.path, 'utf8');
    for (const split of [O200K_TOKEN_SPLIT_REGEX, CL100K_TOKEN_SPLIT_REGEX]) {
      const ends = chunkEnds(split, text);
      for (const c of cutsOf(text)) assert.ok(ends.has(c), `${f.rel} @${c}`);
    }
    cuts += cutsOf(text).length;
  }
  assert.ok(cuts > 10_000);
});

test('the end of a text is never a cut, nor a newline followed by a slash, a newline or only blanks', () => {
  assert.deepEqual(cutsOf('a\n'), []);
  assert.deepEqual(cutsOf('a\n  '), []);
  assert.deepEqual(cutsOf('a\n/b'), []);
  assert.deepEqual(cutsOf('a\n \nb'), [4]);
  assert.deepEqual(cutsOf('a\r\nb\n /c'), [3, 5]);
});

test('lines seen in other texts count as the tokenizer counts each whole text', async () => {
  const rnd = prng(43);
  // A few lines in many texts: most lines are cache hits, met after other lines each time.
  const pool = linePool(rnd, 40);
  for (const [encoding, api] of [
    ['o200k_base', o200k],
    ['cl100k_base', cl100k],
  ] as const) {
    const counter = await createTokenCounter(encoding, { cacheSlotsLog2: 6, lineSlotsLog2: 5 });
    for (let i = 0; i < 1500; i++) {
      const text = randomLines(rnd, pool, 1 + Math.floor(rnd() * 10));
      assert.equal(
        counter.count(text),
        api.encode(text, noSpecial).length,
        `${encoding} ${JSON.stringify(text)}`,
      );
    }
  }
});
