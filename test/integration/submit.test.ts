import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type OpenAI from 'openai';
import { parseConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log/logger.ts';
import { createOpenAIBatchApi, type BatchApi } from '../../src/openai/batch-api.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { openSubmitter } from '../../src/submit/submitter.ts';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { runCli } from '../support/cli.ts';
import { testEmulator, type TestEmulator } from '../support/emulator.ts';
import { tempDir } from '../support/temp-dir.ts';

const quiet = await createLogger({ level: 'silent', stream: { write() {} } });

async function open(
  t: TestContext,
  env: TestEmulator,
  dataDir: string,
  raw: Record<string, unknown> = {},
  key = 'sk-test-emulator-key',
  /** Wraps the client (to watch its calls, say). */
  wrap: (api: BatchApi) => BatchApi = (api) => api,
) {
  const config = parseConfig(
    {
      submit: {
        retry_base_ms: 5,
        requeue_base_ms: 10,
        requeue_cap_ms: 40,
        requests_per_minute: 60_000,
      },
      ...raw,
    },
    'test',
  );
  const submitter = await openSubmitter({
    api: wrap(createOpenAIBatchApi({ apiKey: key, baseURL: env.emulator.url, maxRetries: 0 })),
    stateDir: join(dataDir, '.slicebatch'),
    batchOutputDir: join(dataDir, '4.batch_output'),
    config,
    clock: env.clock,
    log: quiet,
  });
  t.after(() => submitter.close());
  const files = () => listBatchInputFiles(join(dataDir, '3.batch_input'), dataDir);
  return { submitter, files, config };
}

/** Batches on the emulator per input content (sha256 metadata), and uploaded batch files. */
async function remoteCounts(emulatorClient: OpenAI) {
  // Retrying: fault profiles still apply to these checks.
  const client = emulatorClient.withOptions({ maxRetries: 10 });
  const bySha = new Map<string, string[]>();
  for await (const b of client.batches.list({ limit: 100 })) {
    const sha = b.metadata?.['slicebatch_sha256'] ?? '?';
    bySha.set(sha, [...(bySha.get(sha) ?? []), b.status]);
  }
  let uploads = 0;
  for await (const f of client.files.list({ purpose: 'batch' })) if (f) uploads++;
  return { bySha, uploads };
}

test('a clean run submits every file once, with job files and a round record; a second run nothing', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  await writeBatchInputs(data, 3, 4);
  const { submitter, files } = await open(t, env, data);
  const round = await submitter.submitRound(await files());
  assert.equal(round.submitted.length, 3);
  assert.deepEqual(round.failed, []);
  const jobDir = join(data, '4.batch_output', 'repo_t');
  const jobFiles = (await readdir(jobDir)).filter((n) => n.startsWith('batch_job_'));
  assert.equal(jobFiles.length, 3);
  const job = JSON.parse(await readFile(join(jobDir, jobFiles[0]!), 'utf8'));
  for (const field of [
    'batch_file',
    'file_id',
    'batch_id',
    'status',
    'created_at',
    'completion_window',
  ]) {
    assert.ok(field in job, `original field ${field}`);
  }
  assert.match(job.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
  assert.equal(job.completion_window, '24h');
  assert.equal(job.requests, 4);
  const again = await submitter.submitRound(await files());
  assert.equal(again.submitted.length, 0);
  assert.deepEqual(
    again.decisions.map((d) => d.kind),
    ['done', 'done', 'done'],
  );
  const { bySha, uploads } = await remoteCounts(env.client);
  assert.equal(bySha.size, 3);
  assert.ok([...bySha.values()].every((v) => v.length === 1));
  assert.equal(uploads, 3);
});

test('429, 5xx and dropped connections at every step end with each file submitted exactly once', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      seed: 11,
      http: [
        { route: 'POST /v1/files', kind: 'status', status: 429, retry_after_s: 0.01, rate: 0.3 },
        { route: 'POST /v1/files', kind: 'drop', rate: 0.2 },
        { route: 'POST /v1/files', kind: 'lose_answer', rate: 0.2 },
        { route: 'POST /v1/batches', kind: 'status', status: 503, rate: 0.3 },
        { route: 'POST /v1/batches', kind: 'lose_answer', rate: 0.3 },
        { route: 'POST /v1/batches', kind: 'drop', rate: 0.1 },
        { route: 'GET /v1/batches', kind: 'status', status: 500, rate: 0.2 },
        { route: 'GET /v1/files', kind: 'status', status: 502, rate: 0.2 },
      ],
    },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 6, 3);
  const { submitter, files } = await open(t, env, data);
  let rounds = 0;
  for (; rounds < 20; rounds++) {
    const r = await submitter.submitRound(await files());
    if (r.decisions.every((d) => d.kind === 'done')) break;
  }
  assert.ok(rounds < 20, 'every file submitted in the end');
  assert.ok(env.emulator.stats().faults > 5, `faults injected: ${env.emulator.stats().faults}`);
  const { bySha, uploads } = await remoteCounts(env.client);
  assert.equal(bySha.size, 6);
  for (const [sha, batches] of bySha) assert.equal(batches.length, 1, `one batch for ${sha}`);
  assert.equal(uploads, 6, 'no upload leaked');
});

test('a lost answer after batch creation ends with exactly one batch, adopted', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      http: [
        { route: 'POST /v1/batches', kind: 'lose_answer', nth: [1] },
        { route: 'POST /v1/files', kind: 'lose_answer', nth: [1] },
      ],
    },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 2);
  const { submitter, files } = await open(t, env, data);
  const round = await submitter.submitRound(await files());
  assert.equal(round.submitted.length, 1);
  assert.equal(env.emulator.stats().batchesCreated, 1);
  const { uploads } = await remoteCounts(env.client);
  assert.equal(uploads, 1);
});

test('a permanent error stops that file with its reason and its upload deleted; the others go on', async (t) => {
  const env = await testEmulator(t, {
    faults: { http: [{ route: 'POST /v1/batches', kind: 'status', status: 400, nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 2, 2);
  const { submitter, files } = await open(t, env, data, {
    submit: { concurrency: 1, retry_base_ms: 5, requests_per_minute: 60_000 },
  });
  const round = await submitter.submitRound(await files());
  assert.equal(round.submitted.length, 1);
  assert.equal(round.failed.length, 1);
  assert.equal(round.failed[0]!.permanent, true);
  assert.match(round.failed[0]!.error, /Invalid request/);
  const again = await submitter.submitRound(await files());
  assert.deepEqual(again.decisions.map((d) => d.kind).sort(), ['done', 'failed']);
  const { uploads } = await remoteCounts(env.client);
  assert.equal(uploads, 1, 'the failed file’s upload was deleted');
});

test('a refused key (401) stops all submission and says so; exit 1', async (t) => {
  const env = await testEmulator(t, { apiKeys: ['sk-the-right-key'] });
  const data = await tempDir(t);
  await writeBatchInputs(data, 3, 2);
  const { submitter, files } = await open(t, env, data, {}, 'sk-a-wrong-key');
  const round = await submitter.submitRound(await files());
  assert.equal(round.submitted.length, 0);
  assert.match(round.authError ?? '', /Incorrect API key/);
  const cli = await runCli(['submit', '--data-dir', data], {
    cwd: data,
    env: { OPENAI_API_KEY: 'sk-a-wrong-key', OPENAI_BASE_URL: env.emulator.url },
  });
  assert.equal(cli.code, 1);
  assert.match(cli.stdout, /Stopped: the API refused the key \(401\)/);
  assert.ok(!cli.stdout.includes('sk-a-wrong-key') && !cli.stderr.includes('sk-a-wrong-key'));
});

test('without a key, submit exits 2 and says how to get going', async (t) => {
  const data = await tempDir(t);
  const cli = await runCli(['submit', '--data-dir', data], { cwd: data, env: {} });
  assert.equal(cli.code, 2);
  assert.match(cli.stderr, /no API key: set OPENAI_API_KEY .* built-in emulator/);
});

test('the enqueued-token budget is never passed, and kept busy as batches finish', async (t) => {
  const data = await tempDir(t);
  await writeBatchInputs(data, 5, 4);
  const probe = await listBatchInputFiles(join(data, '3.batch_input'), data);
  const perFile = probe[0]!.manifest.prompt_tokens;
  assert.ok(probe.every((f) => f.manifest.prompt_tokens === perFile));
  const limit = Math.floor(perFile * 2.5);
  const env = await testEmulator(t, { tokenLimits: { 'gpt-4o-mini': limit } });
  const { submitter, files } = await open(t, env, data, {
    limits: { enqueued_tokens: { 'gpt-4o-mini': limit } },
  });
  const perRound: number[] = [];
  for (let i = 0; i < 10; i++) {
    await submitter.tracker.refresh();
    const round = await submitter.submitRound(await files());
    perRound.push(round.submitted.length);
    // Our unfinished batches never hold more than the limit.
    const held = [...submitter.jobs.values()].filter(
      (j) => !['completed', 'failed', 'expired', 'cancelled'].includes(j.status),
    );
    assert.ok(held.length * perFile <= limit, `round ${i}: ${held.length} files in flight`);
    if (round.decisions.every((d) => d.kind === 'done')) break;
    await env.advance(60_000); // the submitted batches finish
  }
  // Two at a time (2.5 files' worth of tokens), then the last one.
  assert.deepEqual(
    perRound.filter((n) => n > 0),
    [2, 2, 1],
  );
  const { bySha } = await remoteCounts(env.client);
  assert.ok([...bySha.values()].every((s) => s.length === 1 && s[0] === 'completed'));
});

test('without a configured limit, the limit is learned from token_limit_exceeded and failed files go back', async (t) => {
  const data = await tempDir(t);
  await writeBatchInputs(data, 3, 4);
  const perFile = (await listBatchInputFiles(join(data, '3.batch_input'), data))[0]!.manifest
    .prompt_tokens;
  const limit = Math.floor(perFile * 1.5);
  const env = await testEmulator(t, { tokenLimits: { 'gpt-4o-mini': limit } });
  const { submitter, files } = await open(t, env, data);
  const first = await submitter.submitRound(await files());
  assert.equal(first.submitted.length, 3, 'no limit known: all three are tried');
  await env.advance(1000); // validation: the first fits, the other two fail on the limit
  for (let i = 0; i < 20; i++) {
    await submitter.tracker.refresh();
    await env.advance(40); // past the requeue backoff (requeue_cap_ms), on the submitter's clock
    const round = await submitter.submitRound(await files());
    if (
      round.decisions.every((d) => d.kind === 'done') &&
      [...submitter.jobs.values()].every((j) => j.status === 'completed' || j.status === 'failed')
    )
      break;
    await env.advance(60_000);
  }
  assert.equal(submitter.limits().get('gpt-4o-mini'), limit, 'learned from the error message');
  const { bySha } = await remoteCounts(env.client);
  assert.equal(bySha.size, 3);
  for (const statuses of bySha.values()) {
    assert.equal(
      statuses.filter((s) => s === 'completed').length,
      1,
      'exactly one good batch per file',
    );
  }
  const failed = [...submitter.jobs.values()].filter((j) => j.status === 'failed');
  assert.equal(failed.length, 2);
  assert.ok(failed.every((j) => j.errors?.[0]?.code === 'token_limit_exceeded'));
});

test('limits.max_cost_usd stops submission before the file that would pass it, and says so', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  await writeBatchInputs(data, 3, 4);
  const raw = {
    prices: { 'gpt-4o-mini': { input: 1000, output: 0 } },
    estimate: { output_tokens: { scenario1: 0, scenario2: 0 } },
  };
  const perFile = (await listBatchInputFiles(join(data, '3.batch_input'), data))[0]!.manifest
    .prompt_tokens;
  const perFileUsd = (perFile * 1000) / 1e6;
  const cap = perFileUsd * 2.5;
  const { submitter, files } = await open(t, env, data, { ...raw, limits: { max_cost_usd: cap } });
  const round = await submitter.submitRound(await files());
  assert.equal(round.submitted.length, 2);
  const stopped = round.decisions.find((d) => d.kind === 'cost_cap');
  assert.ok(stopped !== undefined && stopped.kind === 'cost_cap');
  assert.ok(Math.abs(stopped.spentUsd - perFileUsd * 2) < 1e-9);
  await submitter.close();
  // The command says so (config.json in the working folder carries the cap).
  await writeFile(
    join(data, 'config.json'),
    JSON.stringify({ ...raw, limits: { max_cost_usd: cap } }),
  );
  const cli = await runCli(['submit', '--data-dir', data], {
    cwd: data,
    env: { OPENAI_API_KEY: 'sk-test-1234', OPENAI_BASE_URL: env.emulator.url },
  });
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /Skipped 2 files already submitted/);
  assert.match(cli.stdout, /not submitted: limits\.max_cost_usd \(\$[\d.]+\) would be passed/);
  assert.equal(env.emulator.stats().batchesCreated, 2);
});

test('submit.requests_per_minute: a file goes out at once, and no 10 s holds more than a sixth', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  await writeBatchInputs(data, 12, 1); // 24 calls: upload and create of each file
  const starts: number[] = [];
  const { submitter, files } = await open(
    t,
    env,
    data,
    { submit: { requests_per_minute: 120, concurrency: 4 } },
    undefined,
    (api) => ({
      ...api,
      uploadFile: (...a) => (starts.push(env.clock.now()), api.uploadFile(...a)),
      createBatch: (...a) => (starts.push(env.clock.now()), api.createBatch(...a)),
    }),
  );
  const round = await submitter.submitRound(await files());
  assert.equal(round.submitted.length, 12);
  assert.equal(starts.length, 24);
  // 120 a minute: at most 20 calls in any 10 s (on the submitter's clock, shared with the
  // emulator), so the 21st waits for the first window to pass.
  for (let i = 20; i < starts.length; i++) {
    assert.ok(starts[i]! - starts[i - 20]! >= 10_000, `call ${i + 1} came too early`);
  }
  // The first 20 were not spread out one by one: a burst inside the window is allowed, which
  // is what lets a new file's two calls go together.
  assert.equal(starts[19], starts[0], 'the first window was held back');
  assert.ok(starts[20]! > starts[0]!, 'the 21st call waited');
});

// ---- Lists that lag and clocks that disagree (the real API promises neither) ----

test('a lost create answer, with the batch list 5 s behind: looked for over the window, one batch', async (t) => {
  const env = await testEmulator(t, {
    faults: { list_lag_s: 5, http: [{ route: 'POST /v1/batches', kind: 'lose_answer', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 2);
  const { submitter, files } = await open(t, env, data, {
    submit: { retry_base_ms: 5, requests_per_minute: 60_000, reconcile_settle_ms: 30_000 },
  });
  const round = await submitter.submitRound(await files());
  assert.equal(round.submitted.length, 1);
  assert.equal(
    env.emulator.stats().batchesCreated,
    1,
    'created once, found once the list showed it',
  );
  const job = round.submitted[0]!;
  assert.equal((await env.client.batches.retrieve(job.batch_id)).id, job.batch_id);
});

test('a lost create answer whose batch has ended when it is found: the job adopted with its cost', async (t) => {
  // The list lags past the batch's whole run: the batch is found completed, with its usage.
  const env = await testEmulator(t, {
    faults: {
      list_lag_s: 40,
      http: [{ route: 'POST /v1/batches', kind: 'lose_answer', nth: [1] }],
    },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 2);
  // The emulator runs its batches while the submitter looks (each look lets it catch up).
  const { submitter, files } = await open(
    t,
    env,
    data,
    { submit: { retry_base_ms: 5, requests_per_minute: 60_000, reconcile_settle_ms: 60_000 } },
    undefined,
    (api) => ({
      ...api,
      listBatches: (options) =>
        (async function* () {
          await env.advance(0);
          yield* api.listBatches(options);
        })(),
    }),
  );
  const round = await submitter.submitRound(await files());
  assert.equal(round.submitted.length, 1);
  assert.equal(env.emulator.stats().batchesCreated, 1);
  const job = submitter.jobs.get(round.submitted[0]!.batch_id)!;
  assert.equal(job.status, 'completed', 'found after it ended');
  assert.ok(job.usage !== null, 'with the usage the API reports');
  assert.ok(job.cost_usd !== null && job.cost_usd > 0, 'and the cost of that usage');
});

test('a lost upload answer, with the file list 5 s behind: one upload, none leaked', async (t) => {
  const env = await testEmulator(t, {
    faults: { list_lag_s: 5, http: [{ route: 'POST /v1/files', kind: 'lose_answer', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 2);
  const { submitter, files } = await open(t, env, data, {
    submit: { retry_base_ms: 5, requests_per_minute: 60_000, reconcile_settle_ms: 30_000 },
  });
  const round = await submitter.submitRound(await files());
  assert.equal(round.submitted.length, 1);
  await env.advance(10_000); // past the lag: the list shows everything
  const { uploads, bySha } = await remoteCounts(env.client);
  assert.equal(uploads, 1, 'uploaded once');
  assert.equal(bySha.size, 1);
});

test('a list lag longer than the settle window is the one case that pays twice: the window is what guards', async (t) => {
  // The converse of the test above, so that the window is shown to matter: with no window,
  // a single listing after the lost answer misses the batch and a second one is created.
  const env = await testEmulator(t, {
    faults: { list_lag_s: 5, http: [{ route: 'POST /v1/batches', kind: 'lose_answer', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 2);
  const { submitter, files } = await open(t, env, data, {
    submit: { retry_base_ms: 5, requests_per_minute: 60_000, reconcile_settle_ms: 0 },
  });
  await submitter.submitRound(await files());
  assert.equal(env.emulator.stats().batchesCreated, 2);
});

for (const offsetH of [2, -2]) {
  test(`a server clock ${offsetH > 0 ? 'ahead' : 'behind'} by 2 h, lost answers at every step: one batch and one upload per file`, async (t) => {
    const env = await testEmulator(t, {
      faults: {
        seed: 7,
        clock_offset_s: offsetH * 3600,
        list_lag_s: 3,
        http: [
          { route: 'POST /v1/files', kind: 'lose_answer', rate: 0.5 },
          { route: 'POST /v1/batches', kind: 'lose_answer', rate: 0.5 },
          { route: 'POST /v1/batches', kind: 'status', status: 503, rate: 0.2 },
        ],
      },
    });
    const data = await tempDir(t);
    await writeBatchInputs(data, 6, 2);
    const created = new Map<string, number>();
    const { submitter, files } = await open(t, env, data, {
      submit: { retry_base_ms: 5, requests_per_minute: 60_000, reconcile_settle_ms: 20_000 },
    });
    for (let round = 0; round < 10; round++) {
      const r = await submitter.submitRound(await files());
      if (r.decisions.every((d) => d.kind === 'done')) break;
    }
    await env.advance(10_000);
    const { bySha, uploads } = await remoteCounts(env.client);
    for (const [sha, batches] of bySha) created.set(sha, batches.length);
    assert.equal(created.size, 6, 'every file submitted');
    for (const [sha, n] of created) assert.equal(n, 1, `one batch for ${sha}`);
    assert.equal(env.emulator.stats().batchesCreated, 6);
    assert.equal(uploads, 6, 'no upload leaked');
    assert.ok(env.emulator.stats().faults >= 4, `faults injected: ${env.emulator.stats().faults}`);
  });
}
