import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downloadLines, requestLine, testEmulator, uploadRequests } from '../support/emulator.ts';
import { ManualClock } from '../../src/clock.ts';
import { tempDir } from '../support/temp-dir.ts';

const created = (
  env: Awaited<ReturnType<typeof testEmulator>>,
  fileId: string,
  metadata?: Record<string, string>,
) =>
  env.client.batches.create({
    input_file_id: fileId,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    ...(metadata ? { metadata } : {}),
  });

test('a batch goes validating → in_progress → finalizing → completed, counts advancing with the clock', async (t) => {
  const env = await testEmulator(t);
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 10);
  const batch = await created(env, file.id);
  assert.equal(batch.status, 'validating');
  assert.deepEqual(batch.request_counts, { total: 0, completed: 0, failed: 0 });

  await env.advance(999);
  assert.equal((await env.client.batches.retrieve(batch.id)).status, 'validating');
  await env.advance(1); // validating_ms = 1000
  let b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'in_progress');
  assert.equal(b.in_progress_at, batch.created_at + 1);
  assert.deepEqual(b.request_counts, { total: 10, completed: 0, failed: 0 });

  await env.advance(350); // 100 ms per request
  b = await env.client.batches.retrieve(batch.id);
  assert.deepEqual(b.request_counts, { total: 10, completed: 3, failed: 0 });

  await env.advance(650);
  b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'finalizing');
  assert.deepEqual(b.request_counts, { total: 10, completed: 10, failed: 0 });
  assert.equal(b.output_file_id, null, 'no output file before completion');

  await env.advance(1000);
  b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'completed');
  assert.equal(b.completed_at, (b.finalizing_at ?? 0) + 1);
  assert.equal(b.error_file_id, null);
  const lines = await downloadLines(env.client, b.output_file_id);
  assert.deepEqual(
    lines.map((l) => l.custom_id).sort(),
    Array.from({ length: 10 }, (_, i) => `req_${i}`).sort(),
  );
  for (const l of lines) {
    assert.equal(l.response.status_code, 200);
    assert.equal(l.error, null);
    assert.equal(typeof l.response.body.choices[0].message.content, 'string');
  }
  assert.equal(
    b.usage?.input_tokens,
    lines.reduce((n, l) => n + l.response.body.usage.prompt_tokens, 0),
  );
});

test('completed with errors: failed requests are in the error file, both kinds', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      requests: [
        { kind: 'error_4xx', status: 400, custom_id: '^bad_' },
        { kind: 'error_object', code: 'server_error', custom_id: '^boom_' },
      ],
    },
  });
  const dir = await tempDir(t);
  const ids = ['ok_0', 'bad_1', 'ok_2', 'boom_3', 'ok_4'];
  const file = await uploadRequests(env, dir, 0, { lines: ids.map((id) => requestLine(id)) });
  const batch = await created(env, file.id);
  await env.advance(10_000);
  const b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'completed');
  assert.deepEqual(b.request_counts, { total: 5, completed: 3, failed: 2 });
  const out = await downloadLines(env.client, b.output_file_id);
  const err = await downloadLines(env.client, b.error_file_id);
  assert.deepEqual(out.map((l) => l.custom_id).sort(), ['ok_0', 'ok_2', 'ok_4']);
  const bad = err.find((l) => l.custom_id === 'bad_1');
  assert.equal(bad.response.status_code, 400);
  assert.equal(bad.response.body.error.type, 'invalid_request_error');
  const boom = err.find((l) => l.custom_id === 'boom_3');
  assert.equal(boom.response, null);
  assert.equal(boom.error.code, 'server_error');
});

test('completed with no output file when every request failed', async (t) => {
  const env = await testEmulator(t, { faults: { batches: [{ kind: 'no_output' }] } });
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 4);
  const batch = await created(env, file.id);
  await env.advance(10_000);
  const b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'completed');
  assert.equal(b.output_file_id, null);
  assert.deepEqual(b.request_counts, { total: 4, completed: 0, failed: 4 });
  assert.equal((await downloadLines(env.client, b.error_file_id)).length, 4);
});

test('expired part-way: finished requests in the output file, the rest batch_expired', async (t) => {
  const env = await testEmulator(t, {
    faults: { batches: [{ kind: 'expire', after_requests: 3 }] },
  });
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 10);
  const batch = await created(env, file.id);
  await env.advance(10_000);
  const b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'expired');
  assert.equal(b.expired_at, b.in_progress_at); // 3 × 100 ms after in_progress_at, same second
  assert.deepEqual(b.request_counts, { total: 10, completed: 3, failed: 0 });
  const out = await downloadLines(env.client, b.output_file_id);
  const err = await downloadLines(env.client, b.error_file_id);
  assert.equal(out.length, 3);
  assert.equal(err.length, 7);
  for (const l of err) {
    assert.equal(l.response, null);
    assert.equal(l.error.code, 'batch_expired');
  }
  const all = [...out, ...err].map((l) => l.custom_id).sort();
  assert.deepEqual(all, Array.from({ length: 10 }, (_, i) => `req_${i}`).sort());
});

test('expired when the completion window ends', async (t) => {
  const env = await testEmulator(t, {
    schedule: { completionWindowMs: 1500, msPerRequest: 100 },
  });
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 20);
  const batch = await created(env, file.id);
  await env.advance(60_000);
  const b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'expired');
  assert.equal(b.expires_at, batch.created_at + 1); // 1.5 s window
  // In progress from 1 s to 1.5 s: 5 requests done.
  assert.deepEqual(b.request_counts, { total: 20, completed: 5, failed: 0 });
  assert.equal((await downloadLines(env.client, b.error_file_id)).length, 15);
});

test('cancelled while in progress keeps the finished results; while validating, none', async (t) => {
  const env = await testEmulator(t);
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 10);
  const batch = await created(env, file.id);
  await env.advance(1450); // in progress for 450 ms: 4 done
  const cancelling = await env.client.batches.cancel(batch.id);
  assert.equal(cancelling.status, 'cancelling');
  assert.notEqual(cancelling.cancelling_at, null);
  await env.advance(5000); // no progress while cancelling
  const b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'cancelled');
  assert.deepEqual(b.request_counts, { total: 10, completed: 4, failed: 0 });
  assert.equal((await downloadLines(env.client, b.output_file_id)).length, 4);
  const err = await downloadLines(env.client, b.error_file_id);
  assert.equal(err.length, 6);
  assert.ok(err.every((l) => l.error.code === 'batch_cancelled'));

  const early = await created(env, file.id);
  await env.client.batches.cancel(early.id);
  await env.advance(2000);
  const e = await env.client.batches.retrieve(early.id);
  assert.equal(e.status, 'cancelled');
  assert.equal(e.output_file_id, null);
  assert.equal(e.error_file_id, null);
  assert.equal(e.in_progress_at, null);
});

test('failed validation: the API codes with their line numbers', async (t) => {
  const env = await testEmulator(t);
  const dir = await tempDir(t);
  const lines = [
    requestLine('a'),
    '{"custom_id": "b", "method": ',
    requestLine('a'),
    requestLine('c', { url: '/v1/embeddings' }),
    requestLine('d', { method: 'GET' }),
    requestLine('e', {
      body: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'x' }] },
    }),
  ];
  const file = await uploadRequests(env, dir, 0, { lines });
  const batch = await created(env, file.id);
  await env.advance(1000);
  const b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'failed');
  assert.notEqual(b.failed_at, null);
  assert.equal(b.in_progress_at, null);
  assert.deepEqual(
    b.errors?.data?.map((e) => [e.code, e.line]),
    [
      ['invalid_json_line', 2],
      ['duplicate_custom_id', 3],
      ['url_mismatch', 4],
      ['invalid_method', 5],
      ['mismatched_model', 6],
    ],
  );
  const empty = await uploadRequests(env, dir, 0, { name: 'empty.jsonl', lines: [] });
  const eb = await created(env, empty.id);
  await env.advance(1000);
  const e = await env.client.batches.retrieve(eb.id);
  assert.equal(e.status, 'failed');
  assert.equal(e.errors?.data?.[0]?.code, 'empty_file');
});

test('too many requests in one file fails validation', async (t) => {
  const env = await testEmulator(t, { maxRequestsPerBatch: 5 });
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 6);
  const batch = await created(env, file.id);
  await env.advance(1000);
  const b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'failed');
  assert.equal(b.errors?.data?.[0]?.code, 'too_many_tasks');
});

test('enqueued-token limit per model: a batch that would pass it fails, later ones pass', async (t) => {
  const dir = await tempDir(t);
  // Learn the prompt tokens of a 5-request file from a first emulator.
  const probe = await testEmulator(t);
  const pf = await uploadRequests(probe, dir, 5);
  const pb = await created(probe, pf.id);
  await probe.advance(10_000);
  const tokens = (await probe.client.batches.retrieve(pb.id)).usage!.input_tokens;

  const env = await testEmulator(t, { tokenLimits: { 'gpt-4o-mini': tokens * 2 } });
  const files = [];
  // Identical files: each has exactly `tokens` prompt tokens.
  for (let i = 0; i < 4; i++) files.push(await uploadRequests(env, dir, 5));
  const b1 = await created(env, files[0]!.id);
  const b2 = await created(env, files[1]!.id);
  const b3 = await created(env, files[2]!.id);
  await env.advance(1000);
  const s = await Promise.all([b1, b2, b3].map((b) => env.client.batches.retrieve(b.id)));
  assert.deepEqual(
    s.map((b) => b.status),
    ['in_progress', 'in_progress', 'failed'],
  );
  assert.equal(s[2]!.errors?.data?.[0]?.code, 'token_limit_exceeded');
  assert.match(
    s[2]!.errors?.data?.[0]?.message ?? '',
    new RegExp(`Limit: ${(tokens * 2).toLocaleString('en-US')} enqueued tokens`),
  );
  await env.advance(10_000); // b1, b2 finish
  const b4 = await created(env, files[3]!.id);
  await env.advance(10_000);
  assert.equal((await env.client.batches.retrieve(b4.id)).status, 'completed');
});

test('the same inputs and seed give the same results, request by request', async (t) => {
  const dir = await tempDir(t);
  const runs: string[][] = [];
  // The ids a line carries (its own, its request's, its answer's) are unique to each run
  // (emulator-ids.test.ts, emulator-answer-ids.test.ts).
  const withoutIds = (l: any): string =>
    JSON.stringify({
      ...l,
      id: undefined,
      response: {
        ...l.response,
        request_id: undefined,
        body: { ...l.response.body, id: undefined },
      },
    });
  // Both runs start at the same instant, as if one ran again: the answers carry their time.
  const clockStart = new ManualClock().now();
  for (let i = 0; i < 2; i++) {
    const env = await testEmulator(t, { seed: 7, clockStart });
    const file = await uploadRequests(env, dir, 6);
    const batch = await created(env, file.id);
    await env.advance(10_000);
    const b = await env.client.batches.retrieve(batch.id);
    runs.push((await downloadLines(env.client, b.output_file_id)).map(withoutIds));
  }
  assert.deepEqual(runs[1], runs[0]);
});

test('scenario requests are answered in the structure of their response schema', async (t) => {
  const env = await testEmulator(t, {
    faults: { requests: [{ kind: 'invalid_json', custom_id: '_broken$' }] },
  });
  const dir = await tempDir(t);
  const schema = {
    type: 'object',
    properties: {
      question: { type: 'string' },
      steps: {
        type: 'array',
        items: {
          type: 'object',
          properties: { step_number: { type: 'integer' } },
          required: ['step_number'],
          additionalProperties: false,
        },
      },
    },
    required: ['question', 'steps'],
    additionalProperties: false,
  };
  const withSchema = (id: string) =>
    requestLine(id, {
      body: {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Q?' }],
        response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true, schema } },
      },
    });
  const file = await uploadRequests(env, dir, 0, {
    lines: [
      withSchema('scenario1_f_ok'),
      withSchema('scenario1_f_broken'),
      requestLine('scenario2_c_plain'),
    ],
  });
  const batch = await created(env, file.id);
  await env.advance(10_000);
  const b = await env.client.batches.retrieve(batch.id);
  const out = new Map(
    (await downloadLines(env.client, b.output_file_id)).map((l) => [l.custom_id, l]),
  );
  const content = (id: string) => out.get(id).response.body.choices[0].message.content as string;
  const ok = JSON.parse(content('scenario1_f_ok'));
  assert.deepEqual(Object.keys(ok), ['question', 'steps']);
  assert.deepEqual(
    ok.steps.map((s: { step_number: number }) => s.step_number),
    ok.steps.map((_: unknown, i: number) => i + 1),
  );
  assert.throws(() => JSON.parse(content('scenario1_f_broken')), SyntaxError);
  assert.equal(out.get('scenario1_f_broken').response.body.choices[0].finish_reason, 'length');
  // No response_format: a scenario 2 answer all the same.
  assert.ok('design_solution' in JSON.parse(content('scenario2_c_plain')));
});
