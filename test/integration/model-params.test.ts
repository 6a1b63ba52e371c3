/**
 * Parameters a model refuses, each request answered with a 400 (in a batch one error line per
 * request, so every request of the batch is sent for nothing and lost):
 * - reasoning models (o-series, gpt-5 family) take `temperature` and `top_p` only at their
 *   default (1) and refuse `max_tokens` (`unsupported_value` / `unsupported_parameter`);
 * - models before Structured Outputs (gpt-3.5-turbo, gpt-4, gpt-4-turbo, ...) refuse a
 *   `json_schema` response format, slicebatch's default;
 * - a budget over the model's output limit (gpt-4o-mini: 16,384) is refused.
 * The emulator answers them so by default; slicebatch refuses a config that would send them,
 * naming the key, before anything is converted or uploaded.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { runCli } from '../support/cli.ts';
import {
  answerOfOneLine,
  downloadLines,
  requestLine,
  testEmulator,
  uploadRequests,
} from '../support/emulator.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

function line(customId: string, model: string, extra: Record<string, unknown>): string {
  return requestLine(customId, {
    body: {
      model,
      messages: [{ role: 'user', content: `Explain ${customId}.` }],
      max_completion_tokens: 200,
      ...extra,
    },
  });
}

test('emulator: a reasoning model answers temperature, top_p other than 1 and max_tokens with the API 400s', async (t) => {
  const env = await testEmulator(t);
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 5, {
    lines: [
      line('temp', 'o3', { temperature: 0.2 }),
      line('top_p', 'o3', { top_p: 0.5 }),
      line('max_tokens', 'o3', { max_tokens: 100 }),
      line('temp_one', 'o3', { temperature: 1 }),
      line('plain', 'o3', {}),
    ],
  });
  const created = await env.client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  await env.advance(60_000);
  const batch = await env.client.batches.retrieve(created.id);
  assert.equal(batch.status, 'completed');
  assert.deepEqual(batch.request_counts, { total: 5, completed: 2, failed: 3 });
  const errors = new Map(
    (await downloadLines(env.client, batch.error_file_id)).map((l) => [l.custom_id, l]),
  );
  assert.deepEqual(
    ['temp', 'top_p', 'max_tokens'].map((id) => [
      errors.get(id)?.response?.status_code,
      errors.get(id)?.response?.body,
    ]),
    [
      [
        400,
        {
          error: {
            message:
              "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
            type: 'invalid_request_error',
            param: 'temperature',
            code: 'unsupported_value',
          },
        },
      ],
      [
        400,
        {
          error: {
            message:
              "Unsupported value: 'top_p' does not support 0.5 with this model. Only the default (1) value is supported.",
            type: 'invalid_request_error',
            param: 'top_p',
            code: 'unsupported_value',
          },
        },
      ],
      [
        400,
        {
          error: {
            message:
              "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
            type: 'invalid_request_error',
            param: 'max_tokens',
            code: 'unsupported_parameter',
          },
        },
      ],
    ],
  );
  const answered = (await downloadLines(env.client, batch.output_file_id)).map((l) => l.custom_id);
  assert.deepEqual(answered.sort(), ['plain', 'temp_one']);
});

test('emulator: other models take any temperature; a direct o3 chat completion with one is a 400', async (t) => {
  const env = await testEmulator(t);
  const dir = await tempDir(t);
  for (const model of ['gpt-4o-mini', 'gpt-5-chat-latest']) {
    const file = await uploadRequests(env, dir, 1, {
      name: `${model}.jsonl`,
      lines: [line(`t_${model}`, model, { temperature: 0.2, top_p: 0.9 })],
    });
    const created = await env.client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await env.advance(60_000);
    const batch = await env.client.batches.retrieve(created.id);
    assert.deepEqual(batch.request_counts, { total: 1, completed: 1, failed: 0 }, model);
  }
  await assert.rejects(
    env.client.chat.completions.create({
      model: 'gpt-5-mini',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0,
    }),
    (err: { status?: number; code?: string; param?: string }) =>
      err.status === 400 && err.code === 'unsupported_value' && err.param === 'temperature',
  );
});

test('emulator: a json_schema format to a model without Structured Outputs is a 400 line (chat and Responses)', async (t) => {
  const env = await testEmulator(t);
  const dir = await tempDir(t);
  const schema = { type: 'json_schema', json_schema: { name: 'a', strict: true, schema: {} } };
  const cases = [
    ['/v1/chat/completions', line('schema', 'gpt-3.5-turbo', { response_format: schema })],
    [
      '/v1/chat/completions',
      line('object', 'gpt-3.5-turbo', { response_format: { type: 'json_object' } }),
    ],
    [
      '/v1/responses',
      JSON.stringify({
        custom_id: 'responses',
        method: 'POST',
        url: '/v1/responses',
        body: {
          model: 'gpt-4-turbo',
          input: 'hi',
          text: { format: { type: 'json_schema', name: 'a', strict: true, schema: {} } },
        },
      }),
    ],
  ] as const;
  const outcomes: [string, number, unknown][] = [];
  for (const [endpoint, text] of cases) {
    outcomes.push(await answerOfOneLine(env, dir, `${outcomes.length}.jsonl`, endpoint, text));
  }
  const refused = {
    message:
      "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model. Learn more about supported models at the Structured Outputs guide: https://platform.openai.com/docs/guides/structured-outputs",
    type: 'invalid_request_error',
    param: null,
    code: null,
  };
  assert.deepEqual(outcomes, [
    ['schema', 400, refused],
    ['object', 200, null],
    ['responses', 400, refused],
  ]);
});

test('emulator: a budget over the model output limit is a 400 line (chat and Responses)', async (t) => {
  const env = await testEmulator(t);
  const dir = await tempDir(t);
  const cases = [
    ['/v1/chat/completions', line('over', 'gpt-4o-mini', { max_completion_tokens: 20_000 })],
    ['/v1/chat/completions', line('at', 'gpt-4o-mini', { max_completion_tokens: 16_384 })],
    [
      '/v1/responses',
      JSON.stringify({
        custom_id: 'responses',
        method: 'POST',
        url: '/v1/responses',
        body: { model: 'o3', input: 'hi', max_output_tokens: 200_000 },
      }),
    ],
  ] as const;
  const outcomes: [string, number, unknown][] = [];
  for (const [endpoint, text] of cases) {
    outcomes.push(await answerOfOneLine(env, dir, `${outcomes.length}.jsonl`, endpoint, text));
  }
  const tooLarge = (asked: number, limit: number) => ({
    message: `max_tokens is too large: ${asked}. This model supports at most ${limit} completion tokens, whereas you provided ${asked}.`,
    type: 'invalid_request_error',
    param: 'max_tokens',
    code: null,
  });
  assert.deepEqual(outcomes, [
    ['over', 400, tooLarge(20_000, 16_384)],
    ['at', 200, null],
    ['responses', 400, tooLarge(200_000, 100_000)],
  ]);
});

function configError(raw: unknown): ConfigError {
  try {
    parseConfig(raw, 'config.json');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('config: a temperature other than 1 for a reasoning model is refused, naming the key', () => {
  const top = configError({ model: 'o3', scenarios: { scenario1: { temperature: 0.2 } } });
  assert.match(
    top.message,
    /^config\.json: "scenarios\.scenario1\.temperature": o3 is a reasoning model: .*does not support 0\.2 with this model.*remove the key or set 1$/,
  );
  assert.equal(top.key, 'scenarios.scenario1.temperature');
  // The scenario's own model, and the original scripts' nested form.
  const own = configError({ scenarios: { scenario2: { model: 'gpt-5-mini', temperature: 0 } } });
  assert.equal(own.key, 'scenarios.scenario2.temperature');
  const nested = configError({
    openai: { model: 'o4-mini' },
    scenarios: { scenario1: { temperature: 0.7 } },
  });
  assert.equal(nested.key, 'scenarios.scenario1.temperature');
  // Azure names OpenAI's models too.
  configError({ provider: 'azure', model: 'o3', scenarios: { scenario1: { temperature: 0.5 } } });

  // What the API takes: the default, another model, a server's own models.
  parseConfig({ model: 'o3', scenarios: { scenario1: { temperature: 1 } } }, 'ok');
  parseConfig({ model: 'gpt-4o', scenarios: { scenario1: { temperature: 0.2 } } }, 'ok');
  parseConfig({ model: 'gpt-5-chat-latest', scenarios: { scenario1: { temperature: 0.2 } } }, 'ok');
  parseConfig(
    {
      provider: 'openai_compatible',
      model: 'o3',
      scenarios: { scenario1: { temperature: 0.2 } },
    },
    'ok',
  );
});

test('config: json_schema (the default) for a model without Structured Outputs is refused, naming the key', () => {
  const old = configError({ model: 'gpt-3.5-turbo' });
  assert.equal(old.key, 'scenarios.scenario1.response_format');
  assert.match(
    old.message,
    /"scenarios\.scenario1\.response_format": gpt-3\.5-turbo has no Structured Outputs: .*set "json_object"/,
  );
  assert.match(old.message, /"scenarios\.scenario2\.response_format"/, 'both scenarios named');
  for (const model of ['gpt-4', 'gpt-4-turbo-2024-04-09', 'gpt-4o-2024-05-13', 'o1-mini']) {
    const e = configError({ scenarios: { scenario2: { model } } });
    assert.equal(e.key, 'scenarios.scenario2.response_format', model);
  }
  // What the API takes: json_object or text on those, json_schema on gpt-4o and later.
  parseConfig(
    {
      model: 'gpt-4-turbo',
      scenarios: {
        scenario1: { response_format: 'json_object' },
        scenario2: { response_format: 'text' },
      },
    },
    'ok',
  );
  for (const model of ['gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4o-mini', 'gpt-4.1-nano', 'o3', 'gpt-5'])
    parseConfig({ model }, model);
});

test('config: a max_completion_tokens over the model output limit is refused, naming the key', () => {
  const over = configError({ scenarios: { scenario1: { max_completion_tokens: 20_000 } } });
  assert.equal(over.key, 'scenarios.scenario1.max_completion_tokens');
  assert.match(
    over.message,
    /"scenarios\.scenario1\.max_completion_tokens": 20000 is more than gpt-4o-mini writes \(at most 16384 completion tokens\)/,
  );
  const own = configError({
    scenarios: { scenario2: { model: 'gpt-4.1', max_completion_tokens: 40_000 } },
  });
  assert.equal(own.key, 'scenarios.scenario2.max_completion_tokens');
  parseConfig({ scenarios: { scenario1: { max_completion_tokens: 16_384 } } }, 'at the limit');
  parseConfig({ model: 'o3', scenarios: { scenario1: { max_completion_tokens: 50_000 } } }, 'o3');
  parseConfig(
    {
      model: 'ft:gpt-4o-mini:org::abc',
      scenarios: { scenario1: { max_completion_tokens: 20_000 } },
    },
    'a model without a known limit',
  );
});

test('run: such a config stops before anything is converted or sent (exit 2, the key named)', async (t) => {
  const cwd = await tempDir(t);
  const inbox = join(cwd, 'data', '2.reviewed_slices', 'repo_demo');
  await mkdir(inbox, { recursive: true });
  await writeFile(join(inbox, 'code_slices.jsonl'), jsonl([functionSlice()]));
  await writeFile(
    join(cwd, 'config.json'),
    JSON.stringify({ model: 'gpt-5-mini', scenarios: { scenario1: { temperature: 0.2 } } }),
  );
  const r = await runCli(['run', '--emulator', '--once'], { cwd, env: {} });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /"scenarios\.scenario1\.temperature": gpt-5-mini is a reasoning model/);
  const written = await readdir(join(cwd, 'data', '3.batch_input')).catch(() => []);
  assert.deepEqual(written, [], 'nothing converted');
});
