import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createRequestBuilder, scenarioSpec } from '../../src/convert/request-builder.ts';
import { lengthFate } from '../../src/poll/request-fate.ts';
import { costUsd } from '../../src/domain/cost.ts';

test('scenarios.*.reasoning_effort goes into each request; absent, it is not sent', () => {
  const config = parseConfig(
    { model: 'gpt-5-mini', scenarios: { scenario1: { reasoning_effort: 'low' } } },
    'test',
  );
  const one = createRequestBuilder(
    scenarioSpec('scenario1', config.scenarios.scenario1, config.model),
  );
  const body = JSON.parse(one.render('scenario1_a', {}).line).body;
  assert.equal(body.reasoning_effort, 'low');
  assert.equal(body.model, 'gpt-5-mini');
  const two = createRequestBuilder(
    scenarioSpec('scenario2', config.scenarios.scenario2, config.model),
  );
  assert.equal('reasoning_effort' in JSON.parse(two.render('scenario2_a', {}).line).body, false);
  assert.throws(
    () => parseConfig({ scenarios: { scenario1: { reasoning_effort: 'max' } } }, 'test'),
    /scenarios\.scenario1\.reasoning_effort/,
  );
});

test('an empty answer cut by length is retried with a larger budget, final at the cap', () => {
  const body = (content: string, spent: number) => ({
    choices: [{ message: { content }, finish_reason: 'length' }],
    usage: { completion_tokens: spent },
  });
  const length = { factor: 2, cap: 3000 };
  assert.deepEqual(lengthFate(body('', 1000), length), {
    kind: 'retry',
    reason:
      'reasoning used the whole budget of 1000 tokens (empty content, finish_reason length): retried with 2000',
    maxCompletionTokens: 2000,
  });
  assert.equal(lengthFate(body('', 2000), length)?.kind, 'retry');
  assert.equal(
    (lengthFate(body('', 2000), length) as { maxCompletionTokens: number }).maxCompletionTokens,
    3000,
  );
  assert.equal(lengthFate(body('', 3000), length)?.kind, 'final');
  assert.equal(lengthFate(body('{"a":', 1000), length), undefined, 'cut JSON: the usual path');
});

test('the larger budget never passes the most the model writes (the API would reject it with a 400)', () => {
  const body = (model: string, spent: number) => ({
    model,
    choices: [{ message: { content: '' }, finish_reason: 'length' }],
    usage: { completion_tokens: spent },
  });
  const length = { factor: 2, cap: 32_768 };
  // gpt-4o-mini writes at most 16,384 tokens; its snapshot name is what the API reports.
  const raised = lengthFate(body('gpt-4o-mini-2024-07-18', 12_000), length);
  assert.equal(raised?.kind, 'retry');
  assert.equal((raised as { maxCompletionTokens: number }).maxCompletionTokens, 16_384);
  const atLimit = lengthFate(body('gpt-4o-mini-2024-07-18', 16_384), length);
  assert.equal(atLimit?.kind, 'final');
  assert.match(atLimit.reason, /at the most gpt-4o-mini-2024-07-18 writes \(16384 tokens\)/);
  // A model of no known limit, or one above the cap: the configured cap, as before.
  const unknown = lengthFate(body('my-fine-tune', 12_000), length);
  assert.equal((unknown as { maxCompletionTokens: number }).maxCompletionTokens, 24_000);
  const gpt5 = lengthFate(body('gpt-5-mini-2025-08-07', 20_000), length);
  assert.equal((gpt5 as { maxCompletionTokens: number }).maxCompletionTokens, 32_768);
});

test('cost: cached prompt tokens at the cached price, the input price when none is set', () => {
  const price = { input: 0.2, cached_input: 0.05, output: 0.8 };
  assert.equal(costUsd(price, 1_000_000, 0, 400_000), 0.6 * 0.2 + 0.4 * 0.05);
  assert.equal(costUsd({ input: 0.2, output: 0.8 }, 1_000_000, 0, 400_000), 0.2);
  assert.equal(costUsd(price, 1_000_000, 1_000_000), 1.0);
});
