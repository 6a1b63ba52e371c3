import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  MIN_NEAR_TOKENS,
  PACKED_WORDS,
  packFingerprints,
  unpackFingerprint,
} from '../../src/domain/code-fingerprint.ts';
import {
  createWasmCodeFingerprinter,
  type WasmFingerprintOptions,
} from '../../src/domain/wasm-code-fingerprint.ts';
import { createSliceGenerator, prng } from '../support/slice-generator.ts';

/**
 * Asserts that every field of every fingerprint the WebAssembly path makes is the JavaScript
 * one's (packFingerprints), for both comment styles; returns how many took the JavaScript path.
 */
function assertSame(codes: readonly string[], options?: WasmFingerprintOptions): number {
  const fingerprinter = createWasmCodeFingerprinter(options);
  for (const style of [0, 1]) {
    const flags = new Uint8Array(codes.length).fill(style);
    const expected = packFingerprints(codes, flags);
    // A reused buffer: its words beyond a short code's exact hash and tokens are left.
    const out = new Uint32Array(codes.length * PACKED_WORDS).fill(0xdeadbeef);
    fingerprinter.packInto(codes, flags, out);
    for (let i = 0; i < codes.length; i++) {
      const want = unpackFingerprint(expected, i * PACKED_WORDS);
      const got = unpackFingerprint(out, i * PACKED_WORDS);
      const what = `code ${i} (${style === 1 ? '#' : '//'} comments): ${JSON.stringify(codes[i]!.slice(0, 80))}`;
      assert.deepEqual(got.exactWords, want.exactWords, what);
      assert.equal(got.tokens, want.tokens, what);
      assert.deepEqual(
        got.signature && [...got.signature],
        want.signature && [...want.signature],
        what,
      );
    }
  }
  return fingerprinter.javascript;
}

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'dist' || name === 'data')
      continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, out);
    else if (/\.(ts|js|json|md|py|yml|sh)$/.test(name)) out.push(path);
  }
  return out;
}

test("the WebAssembly fingerprints are the JavaScript ones on this repository's files", () => {
  const codes = [
    ...filesUnder('src'),
    ...filesUnder('test'),
    ...filesUnder('bench'),
    ...filesUnder('docs'),
    ...filesUnder('scripts'),
    ...filesUnder('wasm'),
  ].map((path) => readFileSync(path, 'utf8'));
  assert.ok(codes.length > 200);
  // Whole files, and each cut into pieces of 40 lines (the size of a slice).
  const pieces = codes.flatMap((code) => {
    const lines = code.split('\n');
    const out: string[] = [];
    for (let i = 0; i < lines.length; i += 40) out.push(lines.slice(i, i + 40).join('\n'));
    return out;
  });
  const javascript = assertSame([...codes, ...pieces], { inputBytes: 1 << 16, maxCodes: 64 });
  // The files larger than the input region, and those beyond ASCII, take the JavaScript path.
  assert.ok(javascript > 0);
});

test('the WebAssembly fingerprints are the JavaScript ones on generated slices', () => {
  const generator = createSliceGenerator({ seed: 20 });
  const codes = Array.from({ length: 3000 }, () => generator.next().code_snippet);
  const javascript = assertSame(codes);
  // The generator puts characters beyond ASCII in some slices: those take the JavaScript path.
  assert.ok(javascript > 0 && javascript < codes.length / 2, String(javascript));
});

/** Pieces of code-like text that the tokenizer has rules for. */
const PIECES = [
  'x',
  'y1',
  '_a',
  '$b',
  'a$c',
  'self',
  'def',
  'return',
  'if',
  'None',
  'true',
  'this',
  'new',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\r',
  '\v',
  '\f',
  '.',
  '.name',
  'a.b',
  '..',
  '...',
  '0',
  '12',
  '3.5',
  '1e10',
  '0x1F',
  '1.2.3',
  '7abc',
  '#',
  '# comment\n',
  '#!',
  '//',
  '// line\n',
  '/*',
  '*/',
  '/* block */',
  '/* open',
  '/',
  '*',
  "'",
  '"',
  '`',
  "''",
  '""',
  '``',
  '"""',
  "'''",
  '"a"',
  "'b'",
  '`c`',
  '"""doc"""',
  "'''doc'''",
  '"""open',
  '"esc\\"aped"',
  "'\\''",
  '"\\\\"',
  '"back\\\nslash"',
  '"line\nbreak"',
  '`multi\nline`',
  '`esc\\`',
  '\\',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ':',
  ';',
  ',',
  '=',
  '==',
  '+',
  '-',
  '<',
  '>',
  '!',
  '?',
  '@',
  '%',
  '^',
  '&',
  '|',
  '~',
  '\x00',
  '\x7f',
  '\x1b',
];

function randomCode(random: () => number, pieces: number): string {
  let code = '';
  for (let i = 0; i < pieces; i++) code += PIECES[Math.floor(random() * PIECES.length)]!;
  return code;
}

test('the WebAssembly fingerprints are the JavaScript ones on random code-like text with the tricky cases', () => {
  const random = prng(2020);
  const codes: string[] = ['', ' ', '\n\n', '#', '"', '/*', '"""', 'a', 'a.b'];
  for (const piece of PIECES) codes.push(piece, piece + piece, `x ${piece} y`, `${piece}a b c`);
  for (let i = 0; i < 4000; i++) codes.push(randomCode(random, 1 + Math.floor(random() * 120)));
  // Around the shortest slice with a signature, and a name seen at every distance.
  for (let n = MIN_NEAR_TOKENS - 3; n <= MIN_NEAR_TOKENS + 3; n++) {
    codes.push(Array.from({ length: n }, (_, i) => `v${i % 5}`).join(' '));
    codes.push(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'x' : '+')).join(''));
  }
  assert.equal(assertSame(codes, { inputBytes: 1 << 12, maxCodes: 16 }), 0);
  // A long code with many names (the names table larger than its least size).
  const long = Array.from({ length: 3000 }, (_, i) => `n${i % 997} = m${(i * 7) % 1500}.k`);
  assert.equal(assertSame([long.join('\n')]), 0);
});

test('codes beyond ASCII or larger than the input region take the JavaScript path, in their place', () => {
  const long = Array.from({ length: 400 }, (_, i) => `value_${i} = compute(${i}) # note`).join(
    '\n',
  );
  const codes = [
    'def é(a):\n    return a',
    'x = "数据" + y',
    long,
    'plain = ascii + code',
    long + ' ',
    '\u2028',
    'a\u00a0b',
  ];
  assert.equal(assertSame(codes, { inputBytes: 1024, maxCodes: 2 }), 2 * 6);
});
