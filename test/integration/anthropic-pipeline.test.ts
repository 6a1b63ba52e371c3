/**
 * The whole pipeline on the Anthropic provider: reviewed slices converted as for OpenAI,
 * submitted through the Anthropic adapter to the Message Batches emulator with faults on (lost
 * create answers, 429/5xx, expiry, per-request errors), polled, compiled. The faults run holds
 * the invariants provider-faults.test.ts holds for the OpenAI-shaped providers: no input paid
 * for twice (batches counted on the emulator's side), every slice a result or a final reason,
 * the dataset compiled, the adapter's inputs cleaned up, the job files naming the provider.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { readJobs } from '../../src/jobs/job-store.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { runCli } from '../support/cli.ts';
import { compileDataset } from '../../src/compile/compile-dataset.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { BatchApi } from '../../src/openai/batch-api.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { testAnthropic } from '../support/anthropic.ts';
import { convert, quietLog, sliceSource, writeInbox } from '../support/dataset.ts';
import { checkInvariant, testPipeline } from '../support/pipeline.ts';
import { tempDir } from '../support/temp-dir.ts';

const FAULTS = {
  seed: 11,
  http: [
    { route: 'POST /v1/messages/batches', kind: 'lose_answer', rate: 0.4 },
    {
      route: 'POST /v1/messages/batches',
      kind: 'status',
      status: 429,
      retry_after_s: 0,
      rate: 0.15,
    },
    { route: 'POST /v1/messages/batches', kind: 'status', status: 500, rate: 0.15 },
    { route: 'GET /v1/messages/batches/*/results', kind: 'status', status: 500, rate: 0.3 },
    { route: 'GET /v1/messages/batches*', kind: 'status', status: 503, rate: 0.05 },
  ],
  batches: [{ kind: 'expire', after_fraction: 0.5, rate: 0.4 }],
  requests: [
    { kind: 'error_object', rate: 0.1 },
    { kind: 'error_4xx', rate: 0.05 },
    { kind: 'invalid_json', rate: 0.05 },
  ],
};

test('faults on: no batch paid twice, every slice a result or a final reason, the dataset compiled', async (t) => {
  const dir = await tempDir(t);
  const env = await testAnthropic(t, { faults: FAULTS });
  const raw = {
    provider: 'anthropic',
    model: 'claude-haiku-4-5',
    limits: { max_requests_per_file: 8 },
  };
  const config = parseConfig(raw, 'test');
  const slices = sliceSource('repo_a', 5);
  await writeInbox(dir, 'repo_a/slices.jsonl', slices(30));
  await convert(dir, config);
  let api: BatchApi | undefined;
  const pipeline = await testPipeline(t, env, dir, raw, (paths) => {
    api = env.api(paths.state, { maxRetries: 2 });
    return api;
  });
  await pipeline.settle(60);

  const report = await checkInvariant(dir);
  assert.equal(report.sent, 30, 'every slice was sent');
  assert.equal(report.usable + report.final.size, 30, 'every slice has an end');
  assert.ok(report.usable > 0, 'some slices have a usable answer');
  assert.ok(report.retries > 0, 'the faults made retries');
  const stats = env.emulator.stats();
  assert.ok(stats.faults > 0, 'faults were injected');
  assert.equal(stats.duplicateBatches, 0, 'no batch created twice');
  assert.equal(stats.requestsBilledTwice, 0, 'no request paid twice');
  // Counted on the emulator's side: one batch for each input file submitted, none more.
  const inputs = new Set(
    (await listBatchInputFiles(join(dir, '3.batch_input'), dir)).map((f) => f.manifest.sha256),
  );
  assert.ok(inputs.size > 30 / 8, 'the slices and a retry file were submitted');
  assert.equal(stats.batchesCreated, inputs.size, 'one batch per input, none paid twice');
  const jobs = [...pipeline.submitter.jobs.values()];
  assert.equal(new Set(jobs.map((j) => j.batch_id)).size, inputs.size);
  for (const job of jobs) {
    assert.equal(job.provider, 'anthropic');
    assert.equal(job.model, 'claude-haiku-4-5');
    if (job.request_counts !== null && job.request_counts.completed > 0) {
      assert.ok(job.cost_usd !== null && job.cost_usd > 0, `${job.batch_id} has its cost`);
    }
  }
  // The adapter's kept inputs ("uploads") were cleaned up as the batches ended.
  const kept = [];
  for await (const f of api!.listFiles('batch')) kept.push(f.filename);
  assert.deepEqual(kept, [], 'no input left in the adapter');

  const summary = await compileDataset({
    paths: dataPaths(dir, '.'),
    config,
    now: () => new Date(env.clock.now()),
    log: quietLog,
  });
  assert.equal(summary.records, report.usable);
  const train = (await readdir(join(dir, '5.final_output'))).find((n) =>
    n.startsWith('train_dataset_'),
  );
  assert.ok(train !== undefined, 'a compiled dataset');
  const records = (await readFile(join(dir, '5.final_output', train), 'utf8')).split('\n');
  assert.ok(records.filter(Boolean).length > 0, 'with records');
});

test('run --emulator --provider anthropic --once: the Anthropic emulator and adapter, to a dataset, exit 0', async (t) => {
  const dir = await tempDir(t);
  const slices = sliceSource('repo_x', 3);
  await writeInbox(join(dir, 'data'), 'repo_x/a.jsonl', slices(12));
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      model: 'claude-haiku-4-5',
      submit: { retry_base_ms: 5, requests_per_minute: 60_000 },
      daemon: { heartbeat_ms: 200, compile_debounce_ms: 200, watch: { stable_ms: 300 } },
    }),
  );
  const r = await runCli(['run', '--emulator', '--provider', 'anthropic', '--once'], {
    cwd: dir,
    env: {},
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /every slice has a result or a final reason/);
  assert.match(r.stderr, /serves the Message Batches API/);
  const report = await checkInvariant(join(dir, 'data'));
  assert.equal(report.usable, 12);
  const jobs = await readJobs(join(dir, 'data', '4.batch_output'));
  assert.ok(jobs.size > 0);
  for (const job of jobs.values()) assert.match(job.batch_id, /^msgbatch_/);
});

test('run --provider with an unknown name: a usage error naming the choices', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['run', '--emulator', '--provider', 'claude', '--once'], {
    cwd: dir,
    env: {},
  });
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /--provider: one of openai, azure, openai_compatible, anthropic expected, got "claude"/,
  );
});
