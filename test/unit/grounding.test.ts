import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createRequestBuilder, scenarioSpec } from '../../src/convert/request-builder.ts';
import type { Scenario1AnswerT } from '../../src/domain/answer-schemas.ts';
import { isUngroundedReason } from '../../src/domain/grounding-reason.ts';
import { codeOfPrompt, userPromptOf } from '../../src/domain/prompt-code.ts';
import { judgeScenario1, normaliseWhitespace } from '../../src/poll/grounding.ts';
import { openGroundingCheck, type GroundingSettings } from '../../src/poll/grounding-check.ts';
import type { ResultLine } from '../../src/poll/request-fate.ts';
import { tempDir } from '../support/temp-dir.ts';

const CODE = `def apply_discount(cart, code):
    """Take a code off the cart's total."""
    if code not in cart.codes:
        raise ValueError("unknown code: %s" % code)
    rate = cart.codes[code]
    cart.total = round(cart.total * (1 - rate), 2)
    return cart.total`;

function answer(
  refs: readonly string[],
  texts: Partial<Pick<Scenario1AnswerT, 'answer' | 'question'>> = {},
): Scenario1AnswerT {
  return {
    question: texts.question ?? 'What happens to an unknown code?',
    answer: texts.answer ?? 'The function raises before it touches the total.',
    reasoning_trace: {
      steps: refs.map((code_reference, i) => ({
        step_number: i + 1,
        description: 'A step.',
        code_reference,
        reasoning: 'Because the code says so.',
      })),
      conclusion: 'Unknown codes never change the total.',
    },
    business_rules: ['A discount applies only with a known code.'],
  };
}

test('whitespace normalised: runs are one space, and a space next to a symbol does not count', () => {
  assert.equal(normaliseWhitespace('  a  =\n\tb  +  c ( x ,y )  '), 'a=b+c(x,y)');
  assert.equal(normaliseWhitespace('return  total'), 'return total');
  assert.equal(normaliseWhitespace('returntotal') === normaliseWhitespace('return total'), false);
});

test('code references quoted with other whitespace, backticks, a fence or an ellipsis are grounded', () => {
  const verdict = judgeScenario1(
    answer([
      'if code not in cart.codes:',
      '  rate   =   cart.codes[ code ]',
      '`cart.total = round(cart.total*(1-rate), 2)`',
      '```python\nrate = cart.codes[code]\ncart.total = round(\n  cart.total * (1 - rate), 2)\n```',
      'if code not in cart.codes: ... raise ValueError(…)',
      'return cart.total',
    ]),
    CODE,
  );
  assert.deepEqual(verdict, { grounded: true, missing: [] });
});

test('a made-up line, pieces out of order and an empty reference are not grounded, each named', () => {
  const verdict = judgeScenario1(
    answer([
      'if code not in cart.codes:',
      'cart.total = cart.total - discount_for(code)',
      'return cart.total ... rate = cart.codes[code]',
      '  ',
    ]),
    CODE,
  );
  assert.equal(verdict.grounded, false);
  assert.deepEqual(verdict.missing, [
    'step 2 quotes "cart.total = cart.total - discount_for(code)", not in the code',
    'step 3 quotes "return cart.total ... rate = cart.codes[code]", not in the code',
    'step 4 quotes no code',
  ]);
});

test('an identifier cited as code must be a word of the code; literals and expressions are not checked', () => {
  const grounded = judgeScenario1(
    answer(['return cart.total'], {
      answer:
        'It reads `cart.codes`, calls `round()`, may raise `ValueError`, returns `None` never, and `rate * 2` is an expression.',
      question: 'Why does `apply_discount` check `code` first?',
    }),
    CODE,
  );
  assert.deepEqual(grounded, { grounded: true, missing: [] });

  const made = judgeScenario1(
    answer(['return cart.total'], {
      answer:
        'It first calls `validate_code` and then updates `cart.subtotal`; `validate_code` again.',
    }),
    CODE,
  );
  assert.deepEqual(made, {
    grounded: false,
    missing: ['`validate_code` is not in the code', '`cart.subtotal` is not in the code'],
  });
  // The identifier check can be switched off (grounding.identifiers).
  assert.equal(
    judgeScenario1(answer(['return cart.total'], { answer: 'It calls `validate_code`.' }), CODE, {
      identifiers: false,
    }).grounded,
    true,
  );
});

const config = parseConfig({}, 'test');
const builder1 = createRequestBuilder(
  scenarioSpec('scenario1', config.scenarios.scenario1, config.model),
);
const values = (code: string) => ({
  repository: 'shop',
  file_path: 'shop/cart.py',
  name: 'apply_discount',
  complexity: 'medium',
  language: 'python',
  code,
  focus: config.scenarios.scenario1.focus.medium,
});

test("the code is cut from a prompt by the template's fixed texts, whatever the code holds", () => {
  const template = config.scenarios.scenario1.prompt_template;
  // Code holding a fence, a line of the template, and the text that follows the slot.
  const tricky = `${CODE}\n    # \`\`\`\n    # Repository: x\n\n\`\`\`\n\nWrite one JSON object\n    return 1`;
  for (const code of [CODE, tricky, '', 'x']) {
    const line = JSON.parse(builder1.render('scenario1_a', values(code)).line);
    const prompt = userPromptOf(line.body)!;
    assert.equal(codeOfPrompt(prompt, template), code);
  }
  // The Responses endpoint puts the prompt in `input`.
  const responses = createRequestBuilder(
    scenarioSpec(
      'scenario1',
      { ...config.scenarios.scenario1, endpoint: 'responses' },
      config.model,
    ),
  );
  const body = JSON.parse(responses.render('scenario1_a', values(CODE)).line).body;
  assert.equal(codeOfPrompt(userPromptOf(body)!, template), CODE);
  // A prompt of another template, a template without {{code}} or without a text beside it: none.
  const prompt = userPromptOf(JSON.parse(builder1.render('scenario1_a', values(CODE)).line).body)!;
  assert.equal(codeOfPrompt(prompt, 'Function {{name}}:\n~~~\n{{code}}\n~~~'), undefined);
  assert.equal(codeOfPrompt(prompt, 'Function {{name}}'), undefined);
  assert.equal(codeOfPrompt(prompt, '{{language}}{{code}}'), undefined);
});

const SETTINGS: GroundingSettings = { enabled: true, max_retries: 1, identifiers: true };

function resultLine(customId: string, value: unknown): ResultLine {
  return {
    custom_id: customId,
    response: {
      status_code: 200,
      body: { choices: [{ message: { content: JSON.stringify(value) }, finish_reason: 'stop' }] },
    },
    error: null,
  };
}

test('poll: an ungrounded scenario 1 answer is retried once, then final; grounded ones and scenario 2 stay usable', async (t) => {
  const dir = await tempDir(t);
  const inputPath = join(dir, 'scenario1_batch_input_x.jsonl');
  const builder2 = createRequestBuilder(
    scenarioSpec('scenario2', config.scenarios.scenario2, config.model),
  );
  await writeFile(
    inputPath,
    [
      builder1.render('scenario1_a', values(CODE)).line,
      builder1.render('scenario1_b~attempt2', values(CODE)).line,
      builder1.render('scenario1_c', values('def other():\n    return validate_code(1)')).line,
      builder2.render('scenario2_k', { skeleton: 'class Cart:\n    def add(self): ...' }).line,
    ].join(''),
  );
  const warnings: string[] = [];
  const open = (settings = SETTINGS) =>
    openGroundingCheck({
      inputPath,
      template: config.scenarios.scenario1.prompt_template,
      settings,
      maxAttempts: 3,
      requestAttempt: 1,
      warn: (m) => warnings.push(m),
    });
  const check = await open();
  t.after(() => check.close());
  const usable = { kind: 'usable' } as const;
  const madeUp = answer(['return cart.total', 'total -= validate_code(code)']);
  const first = check.fateOf(resultLine('scenario1_a', madeUp), usable);
  assert.equal(first.kind, 'retry');
  assert.ok(isUngroundedReason(first.kind === 'retry' ? first.reason : ''));
  assert.equal(
    (first as { reason: string }).reason,
    'ungrounded: step 2 quotes "total -= validate_code(code)", not in the code',
  );
  const second = check.fateOf(resultLine('scenario1_b~attempt2', madeUp), usable);
  assert.deepEqual(second, {
    kind: 'final',
    reason: 'ungrounded: step 2 quotes "total -= validate_code(code)", not in the code',
  });
  // The same answer against the code of its own request: slice c has another code.
  assert.deepEqual(
    check.fateOf(
      resultLine('scenario1_c', answer(['return validate_code(1)'], { answer: '`other`' })),
      usable,
    ),
    usable,
  );
  assert.deepEqual(
    check.fateOf(resultLine('scenario1_a', answer(['rate = cart.codes[code]'])), usable),
    usable,
  );
  // Scenario 2 designs new components: made-up names are the point.
  const design = { requirement_analysis: { title: 'Use `PaymentGateway`' } };
  assert.deepEqual(check.fateOf(resultLine('scenario2_k', design), usable), usable);
  // Fates other than usable pass through; a request not in the file keeps its answer (said once).
  const retry = { kind: 'retry', reason: 'HTTP 500: x' } as const;
  assert.deepEqual(check.fateOf(resultLine('scenario1_a', madeUp), retry), retry);
  assert.deepEqual(check.fateOf(resultLine('scenario1_zz', madeUp), usable), usable);
  assert.deepEqual(check.fateOf(resultLine('scenario1_zy', madeUp), usable), usable);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /scenario1_zz cannot be read back/);

  // grounding.max_retries 0: final at once; grounding off: usable.
  const none = await open({ ...SETTINGS, max_retries: 0 });
  t.after(() => none.close());
  assert.equal(none.fateOf(resultLine('scenario1_a', madeUp), usable).kind, 'final');
  const off = await open({ ...SETTINGS, enabled: false });
  assert.deepEqual(off.fateOf(resultLine('scenario1_a', madeUp), usable), usable);
  // A scenario 2 input file is not even read.
  const design2 = await openGroundingCheck({
    inputPath: join(dir, 'missing.jsonl'),
    template: config.scenarios.scenario1.prompt_template,
    settings: SETTINGS,
    maxAttempts: 3,
    scenario: 'scenario2',
    requestAttempt: 1,
    warn: (m) => warnings.push(m),
  });
  assert.deepEqual(design2.fateOf(resultLine('scenario2_k', design), usable), usable);
});
