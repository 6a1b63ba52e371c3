/**
 * The Anthropic adapter (src/anthropic/) against the Message Batches emulator
 * (src/emulator/anthropic/), over real HTTP: what only this adapter does. The port's contract
 * (a batch from upload to results, lost and wrong-shaped create answers, 429/5xx, cancel, a
 * create of the same size as a lost one waiting) is the provider conformance suite's
 * (provider-conformance.test.ts); here: custom_id mapping, per-request result types, the
 * API's own refusals (headers, 64-character custom_ids, 413), and exactly once without
 * metadata past the suite (a second batch cancelled, a crash before the record, asked again).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { ApiError } from '../../src/errors.ts';
import type { BatchApi, RemoteBatch } from '../../src/openai/batch-api.ts';
import { requestLine } from '../support/emulator.ts';
import { testAnthropic } from '../support/anthropic.ts';
import { tempDir } from '../support/temp-dir.ts';

const LONG_ID = `scenario1_${'repo/src/module.py::Class.method'.repeat(4)}`;

async function inputFile(
  dir: string,
  ids: readonly string[],
  name = 'input.jsonl',
): Promise<string> {
  const path = join(dir, name);
  const schema = {
    type: 'object',
    properties: { answer: { type: 'string' } },
    required: ['answer'],
    additionalProperties: false,
  };
  const format = { type: 'json_schema', json_schema: { name: 'a', strict: true, schema } };
  await writeFile(
    path,
    ids
      .map((id) => {
        const line = JSON.parse(requestLine(id)) as { body: Record<string, unknown> };
        line.body['response_format'] = format;
        line.body['temperature'] = 0.2;
        return `${JSON.stringify(line)}\n`;
      })
      .join(''),
  );
  return path;
}

async function lines(path: string): Promise<Record<string, any>[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
}

async function submit(api: BatchApi, path: string, sha = 'ab'.repeat(32), attempt = '1') {
  const file = await api.uploadFile(path, 'input.abcd1234.jsonl');
  return api.createBatch({
    inputFileId: file.id,
    endpoint: '/v1/chat/completions',
    metadata: { slicebatch_sha256: sha, slicebatch_attempt: attempt, slicebatch_file: 'input' },
  });
}

async function listed(api: BatchApi): Promise<RemoteBatch[]> {
  const out: RemoteBatch[] = [];
  for await (const b of api.listBatches()) out.push(b);
  return out;
}

test('custom_ids mapped to the API rule and restored; structured answers in OpenAI lines; usage for the cost', async (t) => {
  const dir = await tempDir(t);
  const env = await testAnthropic(t);
  const api = env.api(dir);
  const ids = [LONG_ID, 'scenario1_a b.c', 'scenario1_x'];
  const created = await submit(api, await inputFile(dir, ids));
  await env.advance(60_000);
  const ended = await api.retrieveBatch(created.id);
  assert.equal(ended.status, 'completed');
  assert.ok(
    ended.usage !== null && ended.usage!.input_tokens > 0 && ended.usage!.output_tokens > 0,
  );
  const out = join(dir, 'results.jsonl');
  await api.downloadFile(ended.output_file_id!, out);
  const results = await lines(out);
  assert.deepEqual(results.map((r) => r['custom_id']).sort(), [...ids].sort());
  for (const r of results) {
    const content = r['response'].body.choices[0].message.content as string;
    assert.equal(typeof (JSON.parse(content) as { answer: unknown }).answer, 'string');
  }
});

test('per-request types: errored 400 final, errored api_error and expired retried, in the error file', async (t) => {
  const dir = await tempDir(t);
  const env = await testAnthropic(t, {
    faults: {
      requests: [
        { kind: 'error_4xx', custom_id: '_0$' },
        { kind: 'error_object', custom_id: '_1$' },
      ],
      batches: [{ kind: 'expire', after_requests: 3 }],
    },
  });
  const api = env.api(dir);
  const ids = ['scenario1_a', 'scenario1_b', 'scenario1_c', 'scenario1_d'];
  const created = await submit(api, await inputFile(dir, ids));
  await env.advance(60_000);
  const ended = await api.retrieveBatch(created.id);
  assert.equal(ended.status, 'expired');
  assert.deepEqual(ended.request_counts, { total: 4, completed: 1, failed: 3 });
  const errors = join(dir, 'errors.jsonl');
  await api.downloadFile(ended.error_file_id!, errors);
  const byId = new Map((await lines(errors)).map((l) => [l['custom_id'] as string, l]));
  assert.equal(byId.get('scenario1_a')?.['response'].status_code, 400);
  assert.equal(byId.get('scenario1_b')?.['response'].status_code, 500);
  assert.equal(byId.get('scenario1_d')?.['error'].code, 'batch_expired');
  assert.equal(byId.has('scenario1_c'), false);
});

test('the SDK sends Bearer auth and its anthropic-version; the emulator refuses requests without them', async (t) => {
  const env = await testAnthropic(t);
  const url = `${env.emulator.url}/v1/messages/batches`;
  const noVersion = await fetch(url, { headers: { authorization: 'Bearer k' } });
  assert.equal(noVersion.status, 400);
  const noKey = await fetch(url, { headers: { 'anthropic-version': '2026-10-21' } });
  assert.equal(noKey.status, 401);
  const withTemperature = await fetch(url, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'anthropic-version': '2026-10-21' },
    body: JSON.stringify({
      requests: [
        {
          custom_id: 'a',
          params: { model: 'm', max_tokens: 5, messages: [], temperature: 0.2 },
        },
      ],
    }),
  });
  assert.equal(withTemperature.status, 400);
  const longId = await fetch(url, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'anthropic-version': '2026-10-21' },
    body: JSON.stringify({
      requests: [
        { custom_id: 'x'.repeat(65), params: { model: 'm', max_tokens: 5, messages: [] } },
      ],
    }),
  });
  assert.equal(longId.status, 400);
  // The adapter (through the SDK) gets through: its headers are right, temperature dropped.
  const dir = await tempDir(t);
  const b = await submit(env.api(dir), await inputFile(dir, ['scenario1_a']));
  assert.equal(b.request_counts?.total, 1);
});

test('a batch over the size limit is refused with 413: a permanent failure, nothing created', async (t) => {
  const dir = await tempDir(t);
  const env = await testAnthropic(t, { maxBatchBytes: 2000 });
  const api = env.api(dir);
  const ids = Array.from({ length: 20 }, (_, i) => `scenario1_${i}`);
  await assert.rejects(submit(api, await inputFile(dir, ids)), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 413);
    assert.equal(err.kind, 'permanent');
    return true;
  });
  assert.equal(env.emulator.stats().batchesCreated, 0);
});

for (const kind of ['lose_answer', 'wrong_shape']) {
  test(`a create asked again after a failed one (${kind}) that made its batch: that batch, never a second`, async (t) => {
    const dir = await tempDir(t);
    const env = await testAnthropic(t, {
      faults: { http: [{ route: 'POST /v1/messages/batches', kind, nth: [1] }] },
    });
    const api = env.api(dir, { maxRetries: 3 });
    const path = await inputFile(dir, ['scenario1_a', 'scenario1_b']);
    await assert.rejects(submit(api, path), { maybeDone: true });
    const [found] = await listed(api);
    assert.ok(found !== undefined);
    // A submitter that did not look asks again: the same batch comes back.
    const again = await submit(api, path);
    assert.equal(again.id, found.id);
    assert.equal(env.emulator.stats().batchesCreated, 1);
  });
}

test('a second batch after a lost answer (the listing lagged) is found and cancelled at once', async (t) => {
  const dir = await tempDir(t);
  const env = await testAnthropic(t, {
    faults: {
      list_lag_s: 2,
      http: [{ route: 'POST /v1/messages/batches', kind: 'lose_answer', nth: [1] }],
    },
  });
  const warnings: string[] = [];
  const api = env.api(dir, { warn: (m) => warnings.push(m) });
  const ids = Array.from({ length: 40 }, (_, i) => `scenario1_${i}`);
  const path = await inputFile(dir, ids);
  await assert.rejects(submit(api, path));
  assert.equal((await listed(api)).length, 0, 'the lagging list does not show it yet');
  const second = await submit(api, path);
  await env.advance(2_500);
  // The poll of a single job retrieves it by id: that look finds the first batch too.
  assert.equal((await api.retrieveBatch(second.id)).status, 'in_progress');
  assert.equal(warnings.length, 1);
  const stats = env.emulator.stats();
  assert.equal(stats.batchesCreated, 2);
  await env.advance(60_000);
  const kept = await api.retrieveBatch(second.id);
  assert.equal(kept.status, 'completed');
  const first = (await listed(api)).find((b) => b.id !== second.id)!;
  assert.equal(first.status, 'cancelled');
  // What ran of the second batch before the cancel is all it cost: 15 of its 40 requests.
  assert.ok(first.request_counts!.completed < 40);
});

test('a line the Messages API cannot take fails its file for good, naming the file and line; nothing is sent', async (t) => {
  const dir = await tempDir(t);
  const env = await testAnthropic(t);
  const api = env.api(dir);
  const path = join(dir, 'input.jsonl');
  await writeFile(
    path,
    `${requestLine('scenario1_a')}\n${JSON.stringify({ ...JSON.parse(requestLine('scenario1_b')), url: '/v1/responses' })}\n`,
  );
  await assert.rejects(submit(api, path), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.kind, 'permanent');
    assert.match(err.message, /^input: request line 2: endpoint \/v1\/responses/);
    return true;
  });
  assert.equal(env.emulator.stats().batchesCreated, 0);
});

test('a crash between the create answer and its record: the next run finds the batch and creates none', async (t) => {
  const dir = await tempDir(t);
  const env = await testAnthropic(t);
  const path = await inputFile(dir, ['scenario1_a', 'scenario1_b', 'scenario1_c']);
  const created = await submit(env.api(dir), path);
  // The crash: the journal's last record (the batch id) never reached the disk.
  const journal = join(dir, 'anthropic', 'batches.jsonl');
  const records = (await readFile(journal, 'utf8')).split('\n').filter(Boolean);
  assert.match(records.at(-1)!, /"t":"created"/);
  await writeFile(journal, `${records.slice(0, -1).join('\n')}\n`);

  const restarted = env.api(dir);
  const found = (await listed(restarted)).find((b) => b.id === created.id);
  assert.equal(found?.metadata?.['slicebatch_sha256'], 'ab'.repeat(32));
  const again = await submit(restarted, path);
  assert.equal(again.id, created.id);
  assert.equal(env.emulator.stats().batchesCreated, 1);
});
