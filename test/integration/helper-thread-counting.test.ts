import assert from 'node:assert/strict';
import { test } from 'node:test';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { threadHelpers } from '../../src/convert/helper-thread-client.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';

const noSpecial = { disallowedSpecial: new Set<string>() };

test('texts counted in this thread (helper behind) and in the helper thread give the tokenizer counts', async (t) => {
  // Counts here whenever the tables are in: every batch after the first.
  const helpers = threadHelpers({ countHereWhenBehind: 0 });
  t.after(() => helpers.close());
  const gen = createSliceGenerator({ seed: 13 });
  const texts: string[] = [];
  for (let i = 0; i < 400; i++) {
    const s = gen.next();
    texts.push(s.code_snippet);
    // Every fifth text holds a character beyond ASCII: the helper thread counts it.
    if (i % 5 === 0) texts.push(`# café ${i}\n${s.code_snippet}`, `数据 = ${i}`);
  }
  for (const [encoding, library] of [
    ['o200k_base', o200k],
    ['cl100k_base', cl100k],
  ] as const) {
    for (let from = 0; from < texts.length; from += 50) {
      const batch = texts.slice(from, from + 50);
      const counts = await helpers.countTexts(encoding, batch);
      assert.deepEqual(
        [...counts],
        batch.map((text) => library.encode(text, noSpecial).length),
        `${encoding}, texts ${from} to ${from + batch.length}`,
      );
    }
  }
  // The first batch of each encoding loads it in the helper thread; the rest were counted here
  // but for the texts beyond ASCII.
  assert.ok(helpers.textsCountedHere > texts.length, String(helpers.textsCountedHere));
});

test('by default this thread counts nothing while the helper thread keeps up', async (t) => {
  const helpers = threadHelpers();
  t.after(() => helpers.close());
  for (let i = 0; i < 20; i++) {
    // One batch at a time: never more than one answer awaited.
    await helpers.countTexts('o200k_base', [`def f${i}(x):\n    return x + ${i}\n`]);
  }
  assert.equal(helpers.textsCountedHere, 0);
});
