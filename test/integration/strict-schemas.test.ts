/**
 * Strict JSON schema response formats: the real API refuses a schema that breaks strict mode's
 * rules (every object `additionalProperties: false` and every property in `required`, the root
 * an object, no unsupported keywords) with a 400 naming the problem, for each request. The
 * emulator checks them the same way; slicebatch's own schemas pass, and a request with a broken
 * one is reported final with the API's words.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { responseFormatOf, textFormatOf } from '../../src/convert/request-builder.ts';
import { answerJsonSchema, type Scenario } from '../../src/domain/answer-schemas.ts';
import { batchInputName, fileTimestamp, manifestNameFor } from '../../src/domain/file-names.ts';
import { tokenCounters } from '../../src/domain/token-counter.ts';
import { strictSchemaProblem } from '../../src/emulator/strict-schema.ts';
import { writeJsonAtomic } from '../../src/storage/atomic-file.ts';
import { computeManifest } from '../../src/submit/batch-input-files.ts';
import { answerOfOneLine, requestLine, testEmulator } from '../support/emulator.ts';
import { checkInvariant } from '../support/pipeline.ts';
import { openSubmitAndPoll } from '../support/submit-and-poll.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START } from '../support/test-time.ts';

const SCENARIOS: readonly Scenario[] = ['scenario1', 'scenario2'];

/** scenario1's schema with one change made to a copy. */
function broken(change: (s: any) => void): Record<string, unknown> {
  const s = structuredClone(answerJsonSchema('scenario1')) as any;
  change(s);
  return s;
}

test("slicebatch's own schemas pass strict mode, as sent on both endpoints", () => {
  for (const scenario of SCENARIOS) {
    const spec = {
      scenario,
      model: 'gpt-4o-mini',
      systemPrompt: 's',
      promptTemplate: 'p',
      responseFormat: 'json_schema' as const,
      maxCompletionTokens: 10,
    };
    const chat = responseFormatOf(spec) as {
      json_schema: { name: string; strict: boolean; schema: unknown };
    };
    assert.equal(chat.json_schema.strict, true);
    assert.equal(strictSchemaProblem(chat.json_schema.schema, chat.json_schema.name), undefined);
    const text = textFormatOf({ ...spec, endpoint: 'responses' }) as {
      name: string;
      strict: boolean;
      schema: unknown;
    };
    assert.equal(text.strict, true);
    assert.equal(strictSchemaProblem(text.schema, text.name), undefined);
  }
});

test('strict mode rules, in the API words', () => {
  const head = "Invalid schema for response_format 'x': ";
  const cases: [unknown, string][] = [
    [
      broken((s) => delete s.additionalProperties),
      "In context=(), 'additionalProperties' is required to be supplied and to be false.",
    ],
    [
      broken((s) => (s.properties.reasoning_trace.additionalProperties = true)),
      "In context=('properties', 'reasoning_trace'), 'additionalProperties' is required to be supplied and to be false.",
    ],
    [
      broken((s) => s.properties.reasoning_trace.properties.steps.items.required.pop()),
      "In context=('properties', 'reasoning_trace', 'properties', 'steps', 'items'), 'required' is required to be supplied and to be an array including every key in properties. Missing 'reasoning'.",
    ],
    [
      broken((s) => (s.required = ['question'])),
      "In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'answer'.",
    ],
    [
      broken((s) => (s.properties.business_rules.uniqueItems = true)),
      "In context=('properties', 'business_rules'), 'uniqueItems' is not permitted.",
    ],
    [broken((s) => (s.allOf = [{ type: 'object' }])), "In context=(), 'allOf' is not permitted."],
    [
      { type: 'array', items: { type: 'string' } },
      'schema must be a JSON Schema of \'type: "object"\', got \'type: "array"\'.',
    ],
  ];
  for (const [schema, message] of cases) {
    assert.equal(strictSchemaProblem(schema, 'x'), head + message);
  }
  // anyOf and $defs are looked into; a nullable field in `required` is fine.
  const nested = {
    type: 'object',
    properties: { a: { anyOf: [{ $ref: '#/$defs/b' }, { type: 'null' }] } },
    required: ['a'],
    additionalProperties: false,
    $defs: { b: { type: 'object', properties: { c: { type: 'string' } }, required: [] } },
  };
  assert.equal(
    strictSchemaProblem(nested, 'x'),
    head +
      "In context=('$defs', 'b'), 'additionalProperties' is required to be supplied and to be false.",
  );
});

test('emulator: a broken strict schema is a 400 line (chat and Responses); strict false is taken', async (t) => {
  const env = await testEmulator(t);
  const dir = await tempDir(t);
  const bad = broken((s) => delete s.properties.reasoning_trace.additionalProperties);
  const body = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Explain.' }],
    max_completion_tokens: 200,
  };
  const cases = [
    [
      '/v1/chat/completions',
      requestLine('scenario1_chat', {
        body: {
          ...body,
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'scenario1_answer', strict: true, schema: bad },
          },
        },
      }),
    ],
    [
      '/v1/chat/completions',
      requestLine('scenario1_loose', {
        body: {
          ...body,
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'scenario1_answer', strict: false, schema: bad },
          },
        },
      }),
    ],
    [
      '/v1/responses',
      JSON.stringify({
        custom_id: 'scenario1_responses',
        method: 'POST',
        url: '/v1/responses',
        body: {
          model: 'gpt-4o-mini',
          input: 'Explain.',
          max_output_tokens: 200,
          text: {
            format: { type: 'json_schema', name: 'scenario1_answer', strict: true, schema: bad },
          },
        },
      }),
    ],
  ] as const;
  const outcomes: unknown[] = [];
  for (const [i, [endpoint, text]] of cases.entries()) {
    outcomes.push(await answerOfOneLine(env, dir, `${i}.jsonl`, endpoint, text));
  }
  const message =
    "Invalid schema for response_format 'scenario1_answer': In context=('properties', 'reasoning_trace'), 'additionalProperties' is required to be supplied and to be false.";
  assert.deepEqual(outcomes, [
    [
      'scenario1_chat',
      400,
      { message, type: 'invalid_request_error', param: 'response_format', code: null },
    ],
    ['scenario1_loose', 200, null],
    [
      'scenario1_responses',
      400,
      {
        message,
        type: 'invalid_request_error',
        param: 'text.format.schema',
        code: 'invalid_json_schema',
      },
    ],
  ]);
});

test('slicebatch reports a request refused for its schema as final, with the API words, and sends it once', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  const bad = broken((s) => (s.required = ['question']));
  const dir = join(data, '3.batch_input', 'repo_t');
  await mkdir(dir, { recursive: true });
  const name = batchInputName('scenario1', fileTimestamp(RUN_START), 0);
  const lines = [0, 1].map((i) =>
    requestLine(`scenario1_s_0_000${i}_func`, {
      body: {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: `Explain ${i}.` }],
        max_completion_tokens: 200,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'scenario1_answer', strict: true, schema: bad },
        },
      },
    }),
  );
  const path = join(dir, name);
  await writeFile(path, lines.map((l) => `${l}\n`).join(''));
  await writeJsonAtomic(
    join(dir, manifestNameFor(name)),
    await computeManifest(path, name, tokenCounters()),
  );
  const p = await openSubmitAndPoll(t, env, data);
  for (let i = 0; i < 3; i++) {
    await p.submitter.submitRound(await p.files());
    await env.advance(60_000);
    await p.poller.tick();
  }
  const report = await checkInvariant(data);
  assert.equal(report.usable, 0);
  assert.equal(report.retries, 0, 'not sent again: the same schema would be refused again');
  assert.deepEqual(
    [...report.final.values()],
    Array(2).fill(
      "rejected by the API (HTTP 400): Invalid schema for response_format 'scenario1_answer': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'answer'.",
    ),
  );
});
