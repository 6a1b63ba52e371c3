import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { createAsciiTokenCounter } from '../../src/domain/ascii-token-counter.ts';
import { createTokenCounter, type EncodingName } from '../../src/domain/token-counter.ts';
import { listFiles } from '../../src/storage/list-files.ts';
import { createSliceGenerator, prng } from '../support/slice-generator.ts';

const noSpecial = { disallowedSpecial: new Set<string>() };
const root = join(import.meta.dirname, '..', '..');
const libraries = { o200k_base: o200k, cl100k_base: cl100k } as const;

async function counters(encoding: EncodingName) {
  const full = await createTokenCounter(encoding);
  // Small caches: replacement and emptying happen within the test.
  const ascii = createAsciiTokenCounter(encoding, full.asciiRanks, {
    cacheSlotsLog2: 6,
    hotSlotsLog2: 3,
  });
  return { ascii, full, library: libraries[encoding] };
}

const beyondAscii = (text: string): boolean => [...text].some((c) => c.charCodeAt(0) > 127);

for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
  test(`${encoding}: with the shared ASCII ranks, every ASCII text counts as the tokenizer counts it; other texts are refused`, async () => {
    const { ascii, full, library } = await counters(encoding);
    const files = [
      ...(await listFiles(join(root, 'src'), (rel) => rel.endsWith('.ts'))),
      ...(await listFiles(join(root, 'docs'), (rel) => rel.endsWith('.md'))),
    ];
    let refused = 0;
    let counted = 0;
    for (const f of files) {
      // Line by line: most lines of a file with a character beyond ASCII are ASCII.
      for (const line of (await readFile(f.path, 'utf8')).split(/(?<=\n)/)) {
        const n = ascii(line);
        if (n < 0) {
          assert.ok(beyondAscii(line), `${f.rel}: refused an ASCII line ${JSON.stringify(line)}`);
          refused++;
        } else {
          // The same as the full counter, always; exact but for chunks over LONG_CHUNK
          // characters (a Markdown table's rule), merged in pieces (byte-pair-count.test.ts).
          assert.equal(n, full.count(line), `${f.rel}: ${line}`);
          if (!/\S{257,}|\s{257,}/.test(line)) {
            assert.equal(n, library.encode(line, noSpecial).length, `${f.rel}: ${line}`);
          }
          counted++;
        }
      }
    }
    assert.ok(refused > 10 && counted > 10_000, `${refused} refused, ${counted} counted`);

    const gen = createSliceGenerator({ seed: 8 });
    for (let i = 0; i < 300; i++) {
      const code = gen.next().code_snippet;
      const expected = beyondAscii(code) ? -1 : library.encode(code, noSpecial).length;
      assert.equal(ascii(code), expected);
    }
    // Random ASCII: runs of letters, digits, spaces, newlines, quotes, symbols; long chunks too.
    const rnd = prng(21);
    const pieces = [
      'a',
      'Zq',
      ' ',
      '\n',
      '\r\n',
      '\t',
      "'s",
      "'LL",
      '9',
      '12345',
      '_',
      '/',
      '.',
      '(',
      'x'.repeat(300),
      ' '.repeat(270),
    ];
    for (let i = 0; i < 500; i++) {
      let text = '';
      const n = 1 + Math.floor(rnd() * 40);
      for (let j = 0; j < n; j++) text += pieces[Math.floor(rnd() * pieces.length)];
      const exact = library.encode(text, noSpecial).length;
      const ours = ascii(text);
      assert.equal(ours, full.count(text), JSON.stringify(text));
      if (!/\S{257,}|\s{257,}/.test(text)) assert.equal(ours, exact, JSON.stringify(text));
    }
    // A character beyond ASCII anywhere, in a short or a long chunk: refused.
    for (const text of ['café', 'x = "数据"', `${'y'.repeat(300)}é`, 'a\u00a0b', '🎉']) {
      assert.equal(ascii(text), -1, text);
    }
  });
}
