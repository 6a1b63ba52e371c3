import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createRequestBuilder, scenarioSpec } from '../../src/convert/request-builder.ts';
import { Scenario1Answer } from '../../src/domain/answer-schemas.ts';
import { tokenCounters } from '../../src/domain/token-counter.ts';
import { respond, type ChatBody } from '../../src/emulator/responder.ts';
import { judgeScenario1 } from '../../src/poll/grounding.ts';

const CODE = `def settle(ledger, entries):
    total = 0
    for entry in entries:
        if entry.amount < 0:
            ledger.flag(entry)
        total += entry.amount
    return total`;

const config = parseConfig({}, 'test');
const counter = await tokenCounters()('o200k_base');

function answerTo(customId: string, ungrounded: boolean) {
  const builder = createRequestBuilder(
    scenarioSpec('scenario1', config.scenarios.scenario1, config.model),
  );
  const line = JSON.parse(
    builder.render(customId, {
      repository: 'books',
      file_path: 'books/settle.py',
      name: 'settle',
      complexity: 'simple',
      language: 'python',
      code: CODE,
      focus: 'Ask what it does.',
    }).line,
  ) as { body: ChatBody };
  const completion = respond(customId, line.body, () => counter, {
    seed: 1,
    createdSeconds: 0,
    promptTokens: 10,
    ungrounded,
  });
  return Scenario1Answer.parse(JSON.parse(completion.choices[0]!.message.content));
}

test("the emulator's scenario 1 answers quote the request's code, so the grounding check passes them", () => {
  for (const id of ['scenario1_a', 'scenario1_b', 'scenario1_c~attempt2']) {
    const answer = answerTo(id, false);
    assert.ok(answer.reasoning_trace.steps.length >= 2);
    for (const step of answer.reasoning_trace.steps)
      assert.ok(CODE.includes(step.code_reference), step.code_reference);
    assert.match(answer.answer, /`\w+`/);
    assert.deepEqual(judgeScenario1(answer, CODE), { grounded: true, missing: [] });
  }
});

test('the ungrounded fault makes one step quote, and the answer cite, what the code does not have', () => {
  const answer = answerTo('scenario1_a', true);
  const verdict = judgeScenario1(answer, CODE);
  assert.equal(verdict.grounded, false);
  assert.equal(verdict.missing.length, 2);
  assert.match(
    verdict.missing[0]!,
    /^step \d+ quotes "return phantom_\w+_helper\(state\);", not in the code$/,
  );
  assert.match(verdict.missing[1]!, /^`phantom_\w+_helper` is not in the code$/);
});
