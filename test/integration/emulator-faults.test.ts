import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { test } from 'node:test';
import OpenAI from 'openai';
import { ManualClock } from '../../src/emulator/clock.ts';
import { startEmulator } from '../../src/emulator/emulator.ts';
import { NO_FAULTS } from '../../src/emulator/faults.ts';
import {
  downloadLines,
  requestLine,
  testEmulator,
  uploadRequests,
  TEST_SCHEDULE,
} from '../support/emulator.ts';
import { NO_DELAYS, spawnEmulatorProcess } from '../support/emulator-process.ts';
import { deferCleanup, tempDir } from '../support/temp-dir.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

const create = (client: OpenAI, fileId: string) =>
  client.batches.create({
    input_file_id: fileId,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });

test('429 with retry-after: the SDK sees a RateLimitError, or retries after the delay and succeeds', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      http: [
        { route: 'GET /v1/batches', kind: 'status', status: 429, retry_after_s: 0.05, nth: [1, 2] },
      ],
    },
  });
  const err = await env.client.batches.list().catch((e: unknown) => e);
  assert.ok(err instanceof OpenAI.RateLimitError);
  assert.equal(err.headers.get('retry-after'), '0.05');
  assert.equal(err.code, 'rate_limit_exceeded');
  const retrying = new OpenAI({
    baseURL: env.emulator.url,
    apiKey: 'sk-test-emulator-key',
    maxRetries: 1,
  });
  const page = await retrying.batches.list();
  assert.deepEqual(page.data, []);
  assert.equal(env.emulator.stats().faults, 2);
});

test('500 and 503 are server errors', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      http: [
        { route: 'GET /v1/files', kind: 'status', status: 500, nth: [1] },
        { route: 'GET /v1/files', kind: 'status', status: 503, nth: [1] },
      ],
    },
  });
  const e1 = await env.client.files.list().catch((e: unknown) => e);
  assert.ok(e1 instanceof OpenAI.InternalServerError);
  assert.equal(e1.status, 500);
  const e2 = await env.client.files.list().catch((e: unknown) => e);
  assert.ok(e2 instanceof OpenAI.InternalServerError);
  assert.equal(e2.status, 503);
  assert.ok(e2.requestID?.startsWith('req_'));
  await env.client.files.list();
});

test('dropped connections and slow answers are connection errors and timeouts', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      http: [
        { route: 'GET /v1/files', kind: 'drop', nth: [1] },
        { route: 'GET /v1/batches', kind: 'slow', delay_ms: 400, nth: [1] },
      ],
    },
  });
  const dropped = await env.client.files.list().catch((e: unknown) => e);
  assert.ok(dropped instanceof OpenAI.APIConnectionError);
  const impatient = new OpenAI({
    baseURL: env.emulator.url,
    apiKey: 'k-test',
    maxRetries: 0,
    timeout: 100,
  });
  const slow = await impatient.batches.list().catch((e: unknown) => e);
  assert.ok(slow instanceof OpenAI.APIConnectionTimeoutError);
});

test('a lost answer after batch creation: the client sees an error, the batch exists', async (t) => {
  const env = await testEmulator(t, {
    faults: { http: [{ route: 'POST /v1/batches', kind: 'lose_answer', nth: [1] }] },
  });
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 2);
  const lost = await create(env.client, file.id).catch((e: unknown) => e);
  assert.ok(lost instanceof OpenAI.APIConnectionError);
  const page = await env.client.batches.list();
  assert.equal(page.data.length, 1);
  assert.equal(page.data[0]!.input_file_id, file.id);
  assert.equal(env.emulator.stats().batchesCreated, 1);
});

test('injected validation failure and token_limit_exceeded, targeted by occurrence', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      batches: [
        { kind: 'validation_failure', nth: [1], line: 2 },
        { kind: 'token_limit_exceeded', nth: [2] },
        { kind: 'validation_failure', nth: [4] },
      ],
    },
  });
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 3);
  const batches = [];
  for (let i = 0; i < 4; i++) batches.push(await create(env.client, file.id));
  await env.advance(10_000);
  const s = await Promise.all(batches.map((b) => env.client.batches.retrieve(b.id)));
  assert.deepEqual(
    s.map((b) => b.status),
    ['failed', 'failed', 'completed', 'failed'],
  );
  assert.deepEqual(
    [s[0], s[3]].map((b) => b!.errors?.data?.map((e) => [e.code, e.line])),
    [[['invalid_request', 2]], [['invalid_request', null]]],
  );
  assert.equal(s[1]!.errors?.data?.[0]?.code, 'token_limit_exceeded');
});

test('rate-based faults are seeded: the same seed picks the same requests', async (t) => {
  const dir = await tempDir(t);
  const pick = async (seed: number) => {
    const env = await testEmulator(t, {
      faults: { seed, requests: [{ kind: 'invalid_json', rate: 0.3 }] },
    });
    const file = await uploadRequests(env, dir, 40);
    const b = await create(env.client, file.id);
    await env.advance(60_000);
    const lines = await downloadLines(
      env.client,
      (await env.client.batches.retrieve(b.id)).output_file_id,
    );
    return lines
      .filter((l) => l.response.body.choices[0].finish_reason === 'length')
      .map((l) => l.custom_id)
      .sort();
  };
  const a = await pick(3);
  assert.deepEqual(await pick(3), a);
  assert.ok(a.length > 3 && a.length < 25, `about 30 % of 40 picked, got ${a.length}`);
  assert.notDeepEqual(await pick(4), a);
});

test('with a state folder, settle() returns once every batch is saved as the API shows it', async (t) => {
  const dir = await tempDir(t);
  const stateDir = join(dir, 'state');
  const clock = new ManualClock();
  const emulator = await startEmulator({
    clock,
    stateDir,
    schedule: TEST_SCHEDULE,
    faults: NO_FAULTS,
    tickMs: 0,
  });
  deferCleanup(t, () => emulator.close());
  const client = new OpenAI({ baseURL: emulator.url, apiKey: 'k-test', maxRetries: 0 });
  const env = { emulator, clock, client, advance: async () => {} };
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const file = await uploadRequests(env, dir, 5);
    ids.push((await create(client, file.id)).id);
  }
  await emulator.settle();
  clock.advance(10_000);
  await emulator.settle();
  for (const id of ids) {
    const shown = (await client.batches.retrieve(id)).status;
    assert.equal(shown, 'completed');
    // Read at once: a save the steps started without waiting must be done by now.
    const saved = JSON.parse(await readFile(join(stateDir, 'batches', `${id}.json`), 'utf8'));
    assert.equal(saved.status, shown, `${id} on disk`);
  }
});

test('with a state folder, files and batches survive a restart and running batches finish', async (t) => {
  const dir = await tempDir(t);
  const stateDir = join(dir, 'state');
  const clock = new ManualClock();
  const first = await startEmulator({
    clock,
    stateDir,
    schedule: TEST_SCHEDULE,
    faults: NO_FAULTS,
    tickMs: 0,
  });
  const client1 = new OpenAI({ baseURL: first.url, apiKey: 'k-test', maxRetries: 0 });
  const env1 = {
    emulator: first,
    clock,
    client: client1,
    advance: async (ms: number) => {
      await first.settle();
      clock.advance(ms);
      await first.settle();
    },
  };
  const file = await uploadRequests(env1, dir, 10);
  const batch = await create(client1, file.id);
  await env1.advance(1300);
  assert.equal((await client1.batches.retrieve(batch.id)).status, 'in_progress');
  await first.close();

  const second = await startEmulator({
    clock,
    stateDir,
    schedule: TEST_SCHEDULE,
    faults: NO_FAULTS,
    tickMs: 0,
  });
  // Closed before its state folder is removed (a save still under way would find it gone).
  deferCleanup(t, () => second.close());
  const client2 = new OpenAI({ baseURL: second.url, apiKey: 'k-test', maxRetries: 0 });
  assert.equal((await client2.files.retrieve(file.id)).bytes, file.bytes);
  await second.settle();
  clock.advance(10_000);
  await second.settle();
  const b = await client2.batches.retrieve(batch.id);
  assert.equal(b.status, 'completed');
  assert.equal((await downloadLines(client2, b.output_file_id)).length, 10);
});

test('--upstream: requests are answered by another chat-completions server', async (t) => {
  const upstream = await testEmulator(t);
  const env = await testEmulator(t, {
    upstream: { url: upstream.emulator.url, apiKey: 'k-up', concurrency: 3 },
  });
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 7);
  const batch = await create(env.client, file.id);
  await env.advance(1000);
  await env.advance(1000);
  await env.advance(1000);
  const b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'completed');
  const lines = await downloadLines(env.client, b.output_file_id);
  assert.equal(lines.length, 7);
  // The upstream server answered them: one chat completion request each.
  assert.equal(upstream.emulator.stats().requests, 7);
  assert.match(lines[0].response.body.choices[0].message.content, /^Emulated answer to direct_/);
});

test('a 200 MB upload is streamed to disk and its results streamed back', async (t) => {
  const env = await testEmulator(t, {
    schedule: { msPerRequest: 0, validatingMs: 0, finalizingMs: 0 },
  });
  const dir = await tempDir(t);
  const path = join(dir, 'big.jsonl');
  const filler = 'def f(x):\n    return x + 1\n'.repeat(150);
  const out = createWriteStream(path);
  let bytes = 0;
  for (let i = 0; bytes < 200 * 1000 * 1000; i++) {
    const line = `${requestLine(`big_${i}`, { body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: filler + i }] } })}\n`;
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  const file = await env.client.files.create({ file: createReadStream(path), purpose: 'batch' });
  assert.equal(file.bytes, (await stat(path)).size);
  // Never more than a few megabytes of the upload in memory at once: it was not buffered.
  assert.ok(
    env.emulator.stats().uploadPeakBuffered < 16 * 1024 * 1024,
    `held ${env.emulator.stats().uploadPeakBuffered} bytes`,
  );
  const batch = await create(env.client, file.id);
  await env.advance(1);
  await env.advance(1);
  const b = await env.client.batches.retrieve(batch.id);
  assert.equal(b.status, 'completed');
  const res = await env.client.files.content(b.output_file_id!);
  const target = join(dir, 'results.jsonl');
  await pipeline(
    Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
    createWriteStream(target),
  );
  let lines = 0;
  for await (const chunk of createReadStream(target) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  assert.equal(lines, b.request_counts?.total);
});

test('slicebatch emulator runs as a server until SIGTERM', async (t) => {
  const { child, url } = await spawnEmulatorProcess({ cli: CLI, args: NO_DELAYS });
  t.after(() => child.kill('SIGKILL'));
  const client = new OpenAI({ baseURL: url, apiKey: 'anything', maxRetries: 0 });
  const dir = await tempDir(t);
  const file = await uploadRequests({ client } as never, dir, 3);
  const batch = await create(client, file.id);
  let status = batch.status;
  for (let i = 0; i < 200 && status !== 'completed'; i++) {
    await new Promise((r) => setTimeout(r, 25));
    status = (await client.batches.retrieve(batch.id)).status;
  }
  assert.equal(status, 'completed');
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exit, 0);
});

test('list_lag_s: a new batch and file are missing from the lists for that long, retrievable by id at once', async (t) => {
  const env = await testEmulator(t, { faults: { list_lag_s: 5 } });
  const dir = await tempDir(t);
  const file = await uploadRequests(env, dir, 2);
  const batch = await create(env.client, file.id);
  const listed = async () => {
    const batches: string[] = [];
    for await (const b of env.client.batches.list({ limit: 100 })) batches.push(b.id);
    const files: string[] = [];
    for await (const f of env.client.files.list({ purpose: 'batch' })) files.push(f.id);
    return { batches, files };
  };
  assert.deepEqual(await listed(), { batches: [], files: [] });
  assert.equal((await env.client.batches.retrieve(batch.id)).id, batch.id);
  assert.equal((await env.client.files.retrieve(file.id)).id, file.id);
  await env.advance(4_000);
  assert.deepEqual(await listed(), { batches: [], files: [] }, 'still lagging after 4 s');
  await env.advance(1_000);
  assert.deepEqual(await listed(), { batches: [batch.id], files: [file.id] });
});

test('clock_offset_s: every timestamp the server reports is on its own clock', async (t) => {
  for (const offset of [7200, -7200]) {
    const env = await testEmulator(t, { faults: { clock_offset_s: offset } });
    const dir = await tempDir(t);
    const file = await uploadRequests(env, dir, 1);
    const batch = await create(env.client, file.id);
    const ours = Math.floor(env.clock.now() / 1000);
    assert.ok(
      Math.abs(file.created_at - (ours + offset)) <= 1,
      `file created_at, offset ${offset}`,
    );
    assert.ok(
      Math.abs(batch.created_at - (ours + offset)) <= 1,
      `batch created_at, offset ${offset}`,
    );
    await env.advance(60_000);
    const done = await env.client.batches.retrieve(batch.id);
    assert.equal(done.status, 'completed', 'the lifecycle runs on the server clock, unchanged');
    assert.ok(done.completed_at! >= batch.created_at);
    await env.emulator.close();
  }
});

test('slicebatch emulator --clock-offset and --list-lag set those faults', async (t) => {
  const { child, url } = await spawnEmulatorProcess({
    cli: CLI,
    args: [...NO_DELAYS, '--clock-offset=-3600', '--list-lag', '30'],
  });
  t.after(() => child.kill('SIGKILL'));
  const client = new OpenAI({ baseURL: url, apiKey: 'anything', maxRetries: 0 });
  const dir = await tempDir(t);
  const file = await uploadRequests({ client } as never, dir, 1);
  // A second's slack either way: the emulator's clock is the system clock here.
  const ours = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(file.created_at - (ours - 3600)) <= 2, `created_at ${file.created_at}`);
  const listed: string[] = [];
  for await (const f of client.files.list({ purpose: 'batch' })) listed.push(f.id);
  assert.deepEqual(listed, [], 'not listed yet');
  assert.equal((await client.files.retrieve(file.id)).id, file.id);
});
