import assert from 'node:assert/strict';
import { test } from 'node:test';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { parseTemplate, renderParts, segmentTemplate } from '../../src/domain/prompt-template.ts';
import { createRequestBuilder, promptTokensOf } from '../../src/convert/request-builder.ts';
import {
  asciiPairCounts,
  createTokenCounter,
  encodingForModel,
} from '../../src/domain/token-counter.ts';
import { loadTokenList } from '../../src/domain/token-list.ts';
import { prng, createSliceGenerator } from '../support/slice-generator.ts';

const PIECES = [
  'def ',
  'return x',
  '\n',
  '\r\n',
  '\n\n',
  '   ',
  '\t',
  '/',
  '//',
  '):',
  '"""',
  "'s",
  "'LL",
  ' ',
  'x',
  '数据',
  'café',
  '🎉',
  '<|endoftext|>',
  '<|im_start|>',
  '123456',
  'ABCdef',
  '\u00a0',
  '→',
  '{{',
  '}}',
];

function randomText(rnd: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rnd() * PIECES.length)];
  return s;
}

const noSpecial = { disallowedSpecial: new Set<string>() };

test('the cached counter gives the tokenizer count for any text, special-token text included', async () => {
  const counters = [
    [await createTokenCounter('o200k_base', { cacheSlotsLog2: 6 }), o200k],
    [await createTokenCounter('cl100k_base', { cacheSlotsLog2: 6 }), cl100k],
  ] as const;
  const rnd = prng(11);
  for (let i = 0; i < 400; i++) {
    const text = randomText(rnd, 1 + Math.floor(rnd() * 60));
    for (const [counter, api] of counters) {
      assert.equal(counter.count(text), api.encode(text, noSpecial).length, JSON.stringify(text));
    }
  }
  const gen = createSliceGenerator({ seed: 3 });
  for (let i = 0; i < 200; i++) {
    const code = gen.next().code_snippet;
    assert.equal(counters[0][0].count(code), o200k.encode(code, noSpecial).length);
  }
});

test('every two-character ASCII chunk counts as the tokenizer counts it, from the token list alone', async () => {
  for (const [name, api] of [
    ['o200k_base', o200k],
    ['cl100k_base', cl100k],
  ] as const) {
    const pairs = asciiPairCounts(await loadTokenList(name));
    let ones = 0;
    for (let i = 0; i < 128 * 128; i++) {
      const chunk = String.fromCharCode(i >> 7, i & 127);
      assert.equal(
        pairs[i],
        api.encode(chunk, noSpecial).length,
        `${name} ${JSON.stringify(chunk)}`,
      );
      if (pairs[i] === 1) ones++;
    }
    // Not a table of twos: thousands of pairs are tokens.
    assert.ok(ones > 1000, `${name}: ${ones} pairs are one token`);
  }
});

test('segments of a template add up to the count of the whole, whatever the values', async () => {
  const counter = await createTokenCounter('o200k_base');
  const rnd = prng(5);
  for (let i = 0; i < 300; i++) {
    // Random templates: literal pieces (newlines, '/', spaces...) around slots.
    let template = '';
    const slots = ['a', 'b', 'c'];
    for (let j = 0; j < 12; j++) {
      template +=
        rnd() < 0.3
          ? `{{${slots[Math.floor(rnd() * 3)]}}}`
          : randomText(rnd, 1 + Math.floor(rnd() * 4));
    }
    const values = { a: randomText(rnd, 5), b: randomText(rnd, 3), c: '' };
    const parts = parseTemplate(template);
    const whole = renderParts(parts, values);
    let sum = 0;
    let rebuilt = '';
    for (const seg of segmentTemplate(parts)) {
      const text = seg.kind === 'fixed' ? seg.text : renderParts(seg.parts, values);
      rebuilt += text;
      sum += counter.count(text);
    }
    assert.equal(rebuilt, whole);
    assert.equal(sum, counter.count(whole), JSON.stringify(template));
  }
});

test('request prompt tokens equal the exact count of the whole chat plus the schema', async () => {
  for (const model of ['gpt-4o-mini', 'gpt-4']) {
    const counter = await createTokenCounter(encodingForModel(model));
    const builder = createRequestBuilder({
      scenario: 'scenario1',
      model,
      systemPrompt: 'You explain code.\n',
      promptTemplate: 'Name: {{name}}\n```\n{{code}}\n```\n\nExplain/{{name}} now.\n// end',
      responseFormat: 'json_schema',
      maxCompletionTokens: 100,
    });
    const gen = createSliceGenerator({ seed: 9 });
    for (let i = 0; i < 50; i++) {
      const s = gen.next();
      const built = builder.render(`scenario1_${s.id}`, { name: s.name, code: s.code_snippet });
      const body = JSON.parse(built.line).body;
      const exact =
        (await counter.exactChatTokens(body.messages)) +
        counter.count(JSON.stringify(body.response_format));
      assert.equal(promptTokensOf(builder, built, counter), exact, `${model} ${s.id}`);
      assert.ok(built.line.endsWith('}}\n'));
    }
  }
});

test('models map to their encodings', () => {
  assert.equal(encodingForModel('gpt-4o-mini'), 'o200k_base');
  assert.equal(encodingForModel('gpt-5-nano-2025-08-07'), 'o200k_base');
  assert.equal(encodingForModel('gpt-4.1-mini'), 'o200k_base');
  assert.equal(encodingForModel('o3-mini'), 'o200k_base');
  assert.equal(encodingForModel('gpt-4-turbo'), 'cl100k_base');
  assert.equal(encodingForModel('gpt-3.5-turbo'), 'cl100k_base');
  assert.equal(encodingForModel('my-azure-deployment'), 'o200k_base');
});
