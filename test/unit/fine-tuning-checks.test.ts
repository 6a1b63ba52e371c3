import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createFineTuningChecks,
  exampleTokens,
  formatErrors,
} from '../../src/compile/fine-tuning-checks.ts';
import { createTokenCounter } from '../../src/domain/token-counter.ts';
import { parseConfig } from '../../src/config/load.ts';

const ok = [
  { role: 'system', content: 'You explain code.' },
  { role: 'user', content: 'What does f do?\n\ndef f(x):\n    return x * 2' },
  { role: 'assistant', content: 'It doubles its argument.' },
];

test("OpenAI's format checks: each error kind on the example that has it, none on a good one", () => {
  assert.deepEqual(formatErrors({ messages: ok }), []);
  assert.deepEqual(formatErrors([ok]), ['data_type']);
  assert.deepEqual(formatErrors('text'), ['data_type']);
  assert.deepEqual(formatErrors(null), ['data_type']);
  assert.deepEqual(formatErrors({ conversations: ok }), ['missing_messages_list']);
  assert.deepEqual(formatErrors({ messages: [] }), ['missing_messages_list']);
  assert.deepEqual(
    formatErrors({ messages: [{ role: 'user' }, { role: 'assistant', content: 'a' }] }),
    ['message_missing_key', 'missing_content'],
  );
  assert.deepEqual(
    formatErrors({ messages: [...ok, { role: 'assistant', content: 'a', extra: 1 }] }),
    ['message_unrecognized_key'],
  );
  // name, function_call and weight are known keys.
  assert.deepEqual(
    formatErrors({
      messages: [
        { role: 'user', content: 'q', name: 'me' },
        { role: 'assistant', content: 'a', weight: 0 },
      ],
    }),
    [],
  );
  assert.deepEqual(formatErrors({ messages: [{ role: 'robot', content: 'q' }, ok[2]] }), [
    'unrecognized_role',
  ]);
  assert.deepEqual(formatErrors({ messages: [{ role: 'user', content: '' }, ok[2]] }), [
    'missing_content',
  ]);
  assert.deepEqual(formatErrors({ messages: [{ role: 'user', content: 42 }, ok[2]] }), [
    'missing_content',
  ]);
  assert.deepEqual(
    formatErrors({ messages: [{ role: 'assistant', content: null, function_call: {} }] }),
    [],
  );
  assert.deepEqual(formatErrors({ messages: ok.slice(0, 2) }), [
    'example_missing_assistant_message',
  ]);
});

test('tokens per example are the tokenizer’s count of the whole chat', async () => {
  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    const counter = await createTokenCounter(encoding);
    for (const messages of [
      ok,
      ok.slice(1),
      [...ok, { role: 'user', content: 'and g?' }, { role: 'assistant', content: 'ü 𝔘 漢字' }],
    ]) {
      assert.equal(
        exampleTokens(messages, counter),
        await counter.exactChatTokens(messages),
        encoding,
      );
    }
  }
});

test('examples over the limit are left out with the count and the limit; statistics add up', async () => {
  const counter = await createTokenCounter('o200k_base');
  const small = exampleTokens(ok, counter);
  const long = [ok[0]!, ok[1]!, { role: 'assistant', content: 'word '.repeat(200) }];
  const big = exampleTokens(long, counter);
  const checks = createFineTuningChecks({ model: 'm', maxTokens: small + 1, counter });
  assert.equal(checks.check({ messages: ok }), undefined);
  const verdict = checks.check({ messages: long });
  assert.equal(verdict?.category, 'over_token_limit');
  assert.match(verdict.reason, new RegExp(`has ${big} tokens, over the ${small + 1}-token`));
  const bad = checks.check({ messages: ok.slice(0, 2) });
  assert.equal(bad?.category, 'fine_tuning_format');
  assert.match(bad.reason, /example_missing_assistant_message/);
  // At the limit exactly: kept.
  const exact = createFineTuningChecks({ model: 'm', maxTokens: small, counter });
  assert.equal(exact.check({ messages: ok }), undefined);

  const r = checks.result();
  assert.equal(r.examples_checked, 3);
  assert.equal(r.examples_kept, 1);
  assert.equal(r.over_token_limit, 1);
  assert.equal(r.format_errors.example_missing_assistant_message, 1);
  assert.equal(r.billing_tokens_per_epoch, small);
  assert.deepEqual(r.tokens_per_example, { min: small, mean: (small + big) / 2, max: big });
  assert.deepEqual(r.messages_per_example, { min: 3, mean: 3, max: 3 });
  assert.equal(r.max_tokens_per_example, small + 1);
});

test('a model whose limit is not known needs compile.max_example_tokens (the chat format only)', () => {
  assert.throws(
    () => parseConfig({ compile: { format: 'chat', fine_tuning_model: 'my-model' } }, 'c.json'),
    (err: Error) =>
      /compile\.max_example_tokens/.test(err.message) &&
      /"my-model" is not known/.test(err.message),
  );
  const set = parseConfig(
    { compile: { format: 'chat', fine_tuning_model: 'my-model', max_example_tokens: 9000 } },
    'c.json',
  );
  assert.equal(set.compile.max_example_tokens, 9000);
  assert.equal(
    parseConfig({ compile: { fine_tuning_model: 'my-model' } }, 'c.json').compile.format,
    'alpaca',
  );
  assert.throws(
    () => parseConfig({ compile: { parquet: ['test'] } }, 'c.json'),
    /compile\.parquet/,
  );
});
