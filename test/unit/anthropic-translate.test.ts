/**
 * The Anthropic adapter's pure parts: a request line as a Message Batches request, a result
 * line as the OpenAI line poll reads, a Message Batch as the port's batch, and the
 * `anthropic` settings from the environment.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { remoteBatchOf } from '../../src/anthropic/batch-object.ts';
import {
  indexOfMapped,
  mappedCustomId,
  RequestLineError,
  submissionKey,
  translateRequestLine,
} from '../../src/anthropic/translate-request.ts';
import { translateResult } from '../../src/anthropic/translate-result.ts';
import { messageAnswer } from '../../src/emulator/anthropic/message-batch-results.ts';
import { REQUEST_OUTCOMES } from '../../src/emulator/faults.ts';
import { refusalFate } from '../../src/poll/refusal-fate.ts';
import { withAnthropicEnv } from '../../src/config/anthropic-env.ts';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';

const SCHEMA = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };

function line(overrides: Record<string, unknown> = {}, body: Record<string, unknown> = {}): string {
  return JSON.stringify({
    custom_id: 'scenario1_repo/a b.py::f~attempt2',
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model: 'claude-haiku-4-5',
      messages: [
        { role: 'system', content: 'You explain code.' },
        { role: 'user', content: 'Explain f.' },
      ],
      max_completion_tokens: 300,
      temperature: 0.7,
      reasoning_effort: 'low',
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'x', strict: true, schema: SCHEMA },
      },
      ...body,
    },
    ...overrides,
  });
}

test('a request line: mapped custom_id in the API rule, system apart, schema as structured output, no temperature', () => {
  const key = submissionKey('0123456789abcdef'.repeat(4), 3);
  const t = translateRequestLine(line(), 1, 41, key);
  assert.equal(t.customId, 'scenario1_repo/a b.py::f~attempt2');
  const r = JSON.parse(t.json) as { custom_id: string; params: Record<string, unknown> };
  assert.match(r.custom_id, /^[a-zA-Z0-9_-]{1,64}$/);
  assert.equal(r.custom_id, mappedCustomId(key, 41));
  assert.equal(indexOfMapped(key, r.custom_id), 41);
  assert.equal(indexOfMapped(submissionKey('f'.repeat(64), 3), r.custom_id), undefined);
  assert.deepEqual(r.params, {
    model: 'claude-haiku-4-5',
    max_tokens: 300,
    system: 'You explain code.',
    messages: [{ role: 'user', content: 'Explain f.' }],
    output_config: { format: { type: 'json_schema', schema: SCHEMA } },
  });
  // Stable: the same line, index and key give the same request.
  assert.equal(translateRequestLine(line(), 1, 41, key).json, t.json);
});

test('a line the Messages API cannot take is an error naming its line', () => {
  const key = submissionKey('ab'.repeat(32), 1);
  assert.throws(() => translateRequestLine('{not json', 7, 0, key), /request line 7: not JSON/);
  assert.throws(
    () => translateRequestLine(line({ url: '/v1/responses' }), 3, 0, key),
    (err: unknown) =>
      err instanceof RequestLineError && /request line 3: endpoint/.test(err.message),
  );
  assert.throws(
    () => translateRequestLine(line({}, { max_completion_tokens: undefined }), 9, 0, key),
    /request line 9: no max_completion_tokens/,
  );
});

test('results: succeeded as a chat completion (max_tokens as length, cache counted as input), errors by type', () => {
  const ok = translateResult(
    {
      custom_id: 'k_0',
      result: {
        type: 'succeeded',
        message: {
          id: 'msg_1',
          model: 'claude-haiku-4-5',
          content: [{ type: 'text', text: '{"a":"b"}' }],
          stop_reason: 'max_tokens',
          usage: {
            input_tokens: 10,
            output_tokens: 5,
            cache_read_input_tokens: 4,
            cache_creation_input_tokens: 2,
          },
        },
      },
    },
    'scenario1_x',
    1000,
  );
  assert.equal(ok.file, 'results');
  assert.deepEqual(ok.usage, { input: 16, output: 5, cached: 4 });
  const body = JSON.parse(ok.line) as {
    custom_id: string;
    response: { status_code: number; body: any };
  };
  assert.equal(body.custom_id, 'scenario1_x');
  assert.equal(body.response.status_code, 200);
  assert.equal(body.response.body.choices[0].finish_reason, 'length');
  assert.equal(body.response.body.choices[0].message.content, '{"a":"b"}');

  const status = (type: string): number =>
    (
      JSON.parse(
        translateResult(
          {
            custom_id: 'k_1',
            result: { type: 'errored', error: { error: { type, message: 'm' } } },
          },
          'o',
          0,
        ).line,
      ) as { response: { status_code: number } }
    ).response.status_code;
  assert.equal(status('invalid_request_error'), 400);
  assert.equal(status('rate_limit_error'), 429);
  assert.equal(status('overloaded_error'), 529);
  assert.equal(status('api_error'), 500);
  const code = (type: string): string =>
    (
      JSON.parse(translateResult({ custom_id: 'k', result: { type } }, 'o', 0).line) as {
        error: { code: string };
      }
    ).error.code;
  assert.equal(code('expired'), 'batch_expired');
  assert.equal(code('canceled'), 'batch_cancelled');
});

test('a Message Batch as the port sees it: statuses, counts, files only once the results are translated', () => {
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  const at = (ms: number): string => new Date(t0 + ms).toISOString();
  const b = {
    id: 'msgbatch_1',
    processing_status: 'ended',
    created_at: at(0),
    ended_at: at(3_600_000),
    cancel_initiated_at: null,
    request_counts: { processing: 0, succeeded: 3, errored: 1, canceled: 0, expired: 2 },
  };
  const known = { inputFileId: 'file_1', metadata: { k: 'v' }, prepared: false };
  const pending = remoteBatchOf(b, known);
  assert.equal(pending.status, 'finalizing');
  assert.equal(pending.output_file_id, null);
  const done = remoteBatchOf(b, { ...known, prepared: true });
  assert.equal(done.status, 'expired');
  assert.equal(done.created_at, t0 / 1000);
  assert.equal(done.expired_at, t0 / 1000 + 3600);
  assert.deepEqual(done.request_counts, { total: 6, completed: 3, failed: 3 });
  assert.equal(done.output_file_id, 'out_msgbatch_1');
  assert.equal(done.error_file_id, 'err_msgbatch_1');
  assert.deepEqual(done.metadata, { k: 'v' });
  const cancelled = remoteBatchOf(
    { ...b, cancel_initiated_at: at(1_800_000) },
    { ...known, prepared: true },
  );
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(remoteBatchOf({ ...b, processing_status: 'canceling' }, known).status, 'cancelling');
  assert.equal(
    remoteBatchOf({ ...b, processing_status: 'in_progress' }, known).status,
    'in_progress',
  );
});

test('the anthropic settings from the environment: the key and URL over the file, a bad URL names its variable', async () => {
  const config = parseConfig(
    { provider: 'anthropic', anthropic: { api_key: 'sk-file', base_url: 'http://a.example' } },
    'test',
  );
  const read = (): Promise<string> => Promise.resolve('sk-from-file');
  const env = await withAnthropicEnv(
    config,
    { ANTHROPIC_API_KEY: 'sk-env', ANTHROPIC_BASE_URL: 'http://b.example' },
    '/',
    undefined,
    read,
  );
  assert.equal(env.anthropic.api_key, 'sk-env');
  assert.equal(env.anthropic.base_url, 'http://b.example');
  const fromFile = await withAnthropicEnv(
    config,
    { ANTHROPIC_API_KEY_FILE: 'k' },
    '/',
    undefined,
    read,
  );
  assert.equal(fromFile.anthropic.api_key, 'sk-from-file');
  await assert.rejects(
    withAnthropicEnv(config, { ANTHROPIC_BASE_URL: 'ftp://x' }, '/', undefined, read),
    (err: unknown) => err instanceof ConfigError && /ANTHROPIC_BASE_URL/.test(err.message),
  );
  assert.throws(() => parseConfig({ provider: 'claude' }, 'config.json'), /provider/);
});

test("stop_reason refusal (the model's classifiers stopped it): the emulator's refusal and content_filter faults give it, translated as finish_reason content_filter, a final refused fate", () => {
  const request = {
    custom_id: 'k_0',
    params: {
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: 'def f():\n    return 1' }],
    },
  };
  for (const outcome of [REQUEST_OUTCOMES.refusal, REQUEST_OUTCOMES.content_filter]) {
    const result = messageAnswer(request, { outcome }, 1, 'msg_01test') as {
      type: string;
      message: { stop_reason: string };
    };
    assert.equal(result.type, 'succeeded', 'billed, as the real API bills a refusal');
    assert.equal(result.message.stop_reason, 'refusal');
    const line = JSON.parse(
      translateResult({ custom_id: 'k_0', result: result }, 'scenario1_x', 0).line,
    ) as { response: { body: { choices: { finish_reason: string }[] } } };
    assert.equal(line.response.body.choices[0]!.finish_reason, 'content_filter');
    const fate = refusalFate(line.response.body);
    assert.equal(fate?.kind, 'final', 'not sent again: it would be refused again');
    assert.match(fate.reason, /^refused: /);
  }
});
