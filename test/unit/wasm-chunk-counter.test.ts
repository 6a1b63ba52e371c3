import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  createTokenCounter,
  type EncodingName,
  type TokenCounter,
} from '../../src/domain/token-counter.ts';
import { listFiles } from '../../src/storage/list-files.ts';
import { loadTokenList } from '../../src/domain/token-list.ts';
import {
  createWasmChunkCounter,
  type WasmChunkCounter,
  type WasmCounterOptions,
} from '../../src/domain/wasm-chunk-counter.ts';
import { createSliceGenerator, prng } from '../support/slice-generator.ts';

const root = join(import.meta.dirname, '..', '..');
const ENCODINGS: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

/**
 * `countAll` (WebAssembly for ASCII texts) against `count` (the JavaScript path, itself tested
 * against the tokenizer in token-counting.test.ts and byte-pair-count.test.ts), text by text,
 * with a counter of each kind fresh for the texts (so every chunk is a miss once in the module).
 */
async function assertSameCounts(
  encoding: EncodingName,
  texts: readonly string[],
  what: string,
  make: () => Promise<TokenCounter> = () => createTokenCounter(encoding),
): Promise<void> {
  const reference = await createTokenCounter(encoding);
  const counter = await make();
  const counts = new Int32Array(texts.length);
  counter.countAll(texts, counts);
  for (let i = 0; i < texts.length; i++) {
    const want = reference.count(texts[i]!);
    if (counts[i] !== want) {
      assert.fail(
        `${encoding}, ${what}, text ${i}: ${counts[i]} tokens, not ${want}: ${JSON.stringify(texts[i]!.slice(0, 200))}`,
      );
    }
  }
  // Counted again with the module's table warm: the same.
  const again = new Int32Array(texts.length);
  counter.countAll(texts, again);
  assert.deepEqual(again, counts, `${encoding}, ${what}: a second pass`);
}

test("this repository's files (code, docs, some beyond ASCII) count in WebAssembly as in JavaScript, whole and line by line", async () => {
  const files = [
    ...(await listFiles(join(root, 'src'), (rel) => rel.endsWith('.ts'))),
    ...(await listFiles(join(root, 'docs'), (rel) => rel.endsWith('.md'))),
    ...(await listFiles(join(root, 'test'), (rel) => rel.endsWith('.ts'))),
    ...(await listFiles(join(root, 'bench'), (rel) => /\.(ts|py)$/.test(rel))),
  ];
  assert.ok(files.length > 100);
  const texts: string[] = [];
  for (const f of files) {
    const text = await readFile(f.path, 'utf8');
    texts.push(text, ...text.split('\n'));
  }
  assert.ok(
    texts.some((t) => /[^\p{ASCII}]/u.test(t)),
    'some texts are beyond ASCII',
  );
  for (const encoding of ENCODINGS) await assertSameCounts(encoding, texts, 'repository files');
});

test('generated code and docstrings count in WebAssembly as in JavaScript', async () => {
  const gen = createSliceGenerator({ seed: 7 });
  const texts: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const s = gen.next();
    texts.push(s.code_snippet, typeof s.context.docstring === 'string' ? s.context.docstring : '');
  }
  for (const encoding of ENCODINGS) await assertSameCounts(encoding, texts, 'generated slices');
});

/** Pieces that decide between the split expressions' alternatives. */
function trickyPiece(rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const run = (alphabet: string, min: number, max: number): string => {
    let s = '';
    const n = min + Math.floor(rnd() * (max - min + 1));
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)]!;
    return s;
  };
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  switch (Math.floor(rnd() * 16)) {
    case 0: // contractions, any case, also not after letters
      return pick([
        "'s",
        "'S",
        "'t",
        "'T",
        "'d",
        "'D",
        "'m",
        "'M",
        "'ll",
        "'LL",
        "'lL",
        "'Ll",
        "'ve",
        "'VE",
        "'vE",
        "'re",
        "'RE",
        "'rE",
        "'x",
        "'",
        "''s",
        "'l",
        "'v",
        "'r",
      ]);
    case 1: // digit runs of 1 to 5
      return run('0123456789', 1, 5);
    case 2: // spaces before a newline, before a word
      return run(' ', 1, 9) + pick(['\n', 'word', '\r\n', '\t', '']);
    case 3:
      return '\r\n';
    case 4: // punctuation runs, with line breaks and slashes after
      return run('!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~', 1, 6) + pick(['', '\n', '//', '\r\n/', '/\n']);
    case 5: // letters, cased runs
      return run(upper, 0, 3) + run(lower, 1, 8);
    case 6:
      return run(upper, 1, 6);
    case 7: // long runs of letters: over the table's 128 and the merge's 256
      return run(pick([lower, 'ab', upper + lower, 'x']), 120, 700);
    case 8: // whitespace runs of every kind
      return run(' \t\n\r\v\f', 1, 12);
    case 9: // control characters
      return run('\x00\x01\x07\x1b\x1f\x7f', 1, 3);
    case 10:
      return pick([' ', '  ', '   ']) + run(lower, 1, 6);
    case 11:
      return ' ' + run('!#$%&*+-=?@^|~', 1, 4);
    case 12: // identifiers as code has them
      return pick(['self', '_id', '__init__', 'getValue', 'HTTPServer', 'x1', 'i', 'MAX_SIZE']);
    case 13:
      return run(' ', 120, 300);
    case 14:
      return run(lower + upper + '0123456789 _.', 1, 40);
    default:
      return '\n' + run(' ', 0, 12);
  }
}

test('random ASCII text of the tricky classes counts in WebAssembly as in JavaScript, trailing spaces too', async () => {
  const rnd = prng(15);
  const texts: string[] = [];
  for (let i = 0; i < 4000; i++) {
    let t = '';
    const pieces = 1 + Math.floor(rnd() * 30);
    for (let k = 0; k < pieces; k++) t += trickyPiece(rnd);
    // Trailing spaces, or a trailing newline, at the end of the text.
    if (i % 4 === 1) t += ' '.repeat(1 + (i % 5));
    if (i % 4 === 2) t += ' \n';
    texts.push(t);
  }
  for (const encoding of ENCODINGS) await assertSameCounts(encoding, texts, 'random ASCII');
});

test('small regions: texts longer than the input, many texts per call, beyond-ASCII texts between ASCII ones', async () => {
  const rnd = prng(3);
  const texts: string[] = [];
  for (let i = 0; i < 600; i++) {
    let t = '';
    const pieces = 1 + Math.floor(rnd() * 12);
    for (let k = 0; k < pieces; k++) t += trickyPiece(rnd);
    if (i % 7 === 3) t += ' caf\u00e9 \u6570\u636e ';
    texts.push(i % 11 === 0 ? '' : t);
  }
  for (const encoding of ENCODINGS) {
    await assertSameCounts(encoding, texts, 'small regions', () =>
      createTokenCounter(encoding, { wasm: { inputBytes: 300, maxTexts: 3 } }),
    );
  }
});

async function smallTableCounter(
  encoding: EncodingName,
  options: WasmCounterOptions,
): Promise<{ wasm: WasmChunkCounter; reference: TokenCounter }> {
  const reference = await createTokenCounter(encoding);
  const pairs = new Uint8Array(128 * 128);
  for (let i = 0; i < pairs.length; i++) {
    pairs[i] = reference.count(String.fromCharCode(i >> 7, i & 127));
  }
  const wasm = createWasmChunkCounter(
    encoding === 'o200k_base',
    await loadTokenList(encoding),
    pairs,
    (t) => reference.count(t),
    options,
  );
  return { wasm, reference };
}

test("the module's chunk table is emptied when half full: its memory is bounded, the counts the same", async () => {
  const rnd = prng(9);
  // Texts of 20 distinct chunks of 3 to 12 characters each, all new.
  const texts: string[] = [];
  for (let i = 0; i < 300; i++) {
    let t = '';
    for (let k = 0; k < 20; k++) t += ` w${Math.floor(rnd() * 1e9).toString(36)}`;
    texts.push(t);
  }
  for (const encoding of ENCODINGS) {
    // 64 slots: a table never emptied would hold 40 chunks after the second text.
    const { wasm, reference } = await smallTableCounter(encoding, { slotsLog2: 6 });
    let most = 0;
    const counts = new Int32Array(1);
    for (const t of texts) {
      wasm.countAll([t], counts);
      assert.equal(counts[0], reference.count(t), t);
      most = Math.max(most, wasm.usedSlots());
      assert.ok(wasm.usedSlots() <= 32, `${wasm.usedSlots()} of 64 slots used`);
    }
    assert.ok(most >= 16, `the table was used (${most} slots at most)`);
  }
});

test("the module's store of longer chunks (13 to 128 characters) is emptied when full, the counts the same", async () => {
  const rnd = prng(10);
  const texts: string[] = [];
  for (let i = 0; i < 300; i++) {
    let t = '';
    for (let k = 0; k < 4; k++) {
      t += ` ${Math.floor(rnd() * 1e15).toString(36)}${'q'.repeat(rnd() * 100)}`;
    }
    texts.push(t);
  }
  for (const encoding of ENCODINGS) {
    const { wasm, reference } = await smallTableCounter(encoding, { storeBytes: 200 });
    const counts = new Int32Array(texts.length);
    wasm.countAll(texts, counts);
    for (let i = 0; i < texts.length; i++) assert.equal(counts[i], reference.count(texts[i]!));
    // Each text's 4 chunks at most, not every chunk seen: the store was emptied as it filled.
    assert.ok(wasm.usedSlots() <= 8, `${wasm.usedSlots()} slots used`);
  }
});
