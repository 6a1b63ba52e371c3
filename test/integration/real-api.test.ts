/**
 * What the real Batch API does that a kind emulator would not, end to end: snapshot model
 * names, a 400 on a fresh upload, result files that do not match their counts, an exhausted
 * quota, file expiry. Each case runs the submitter and the poller against the emulator (its
 * default behaviour, or a fault kind), on the emulator's clock.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileDataset } from '../../src/compile/compile-dataset.ts';
import { DEFAULT_PRICES } from '../../src/config/schema.ts';
import { batchInputName, manifestNameFor } from '../../src/domain/file-names.ts';
import { tokenCounters } from '../../src/domain/token-counter.ts';
import { readHeartbeat } from '../../src/domain/heartbeat.ts';
import { readJobs } from '../../src/jobs/job-store.ts';
import { createLogger } from '../../src/log/logger.ts';
import { computeManifest, listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { writeJsonAtomic } from '../../src/storage/atomic-file.ts';
import type { StatusReport } from '../../src/status/status-report.ts';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { runCli } from '../support/cli.ts';
import { daemonTestConfig, quickEmulator, startTestDaemon, waitFor } from '../support/daemon.ts';
import { requestLine, testEmulator } from '../support/emulator.ts';
import { checkInvariant } from '../support/pipeline.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { tempDir } from '../support/temp-dir.ts';
import { openSubmitAndPoll as open } from '../support/submit-and-poll.ts';

const quiet = await createLogger({ level: 'silent', stream: { write() {} } });

test('snapshot model names: the budget holds the alias, no batch fails on the token limit', async (t) => {
  const data = await tempDir(t);
  await writeBatchInputs(data, 4, 4);
  const probe = await listBatchInputFiles(join(data, '3.batch_input'), data);
  const perFile = probe[0]!.manifest.prompt_tokens;
  const limit = Math.floor(perFile * 2.5);
  const env = await testEmulator(t, { tokenLimits: { 'gpt-4o-mini': limit } });
  const p = await open(t, env, data, { limits: { enqueued_tokens: { 'gpt-4o-mini': limit } } });
  const first = await p.submitter.submitRound(await p.files());
  assert.equal(first.submitted.length, 2, 'two files fit the budget');
  await env.advance(1100); // validated: the API now reports the snapshot name
  await p.submitter.tracker.refresh();
  const jobs = [...p.submitter.jobs.values()];
  assert.ok(
    jobs.every((j) => j.api_model === 'gpt-4o-mini-2024-07-18'),
    'the API says a snapshot',
  );
  assert.ok(
    jobs.every((j) => j.model === 'gpt-4o-mini'),
    'the job keeps the alias it sent',
  );
  const second = await p.submitter.submitRound(await p.files());
  assert.equal(second.submitted.length, 0, 'the batches in flight still hold the budget');
  for (let i = 0; i < 10; i++) {
    await env.advance(60_000);
    await p.poller.tick();
    await p.submitter.submitRound(await p.files());
  }
  const all = [...p.submitter.jobs.values()];
  assert.equal(all.length, 4);
  assert.ok(
    all.every((j) => j.status === 'completed'),
    `no token_limit_exceeded: ${all.map((j) => j.status).join(', ')}`,
  );
});

test('a 400 "Cannot find file" right after the upload is waited out; the file is not failed', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      http: [{ route: 'POST /v1/batches', kind: 'file_not_ready', within_s: 60, nth: [1, 2, 3] }],
    },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 2, 3);
  const p = await open(t, env, data);
  const round = await p.submitter.submitRound(await p.files());
  assert.deepEqual(round.failed, []);
  assert.equal(round.submitted.length, 2);
  assert.equal(env.emulator.stats().batchesCreated, 2);
  const uploads = [];
  for await (const f of env.client.files.list({ purpose: 'batch' })) uploads.push(f);
  assert.equal(uploads.length, 2, 'no upload deleted');
});

test('a 400 "Cannot find file" long after the upload is permanent', async (t) => {
  const env = await testEmulator(t, {
    faults: { http: [{ route: 'POST /v1/batches', kind: 'file_not_ready', within_s: 1e9 }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 3);
  const p = await open(t, env, data, { submit: { file_ready_grace_ms: 60_000, retry_base_ms: 1 } });
  const early = await p.submitter.submitRound(await p.files());
  assert.equal(early.failed.length, 1);
  assert.equal(early.failed[0]!.permanent, false, 'fresh: tried again');
  await env.advance(120_000);
  const late = await p.submitter.submitRound(await p.files());
  assert.equal(late.failed.length, 1);
  assert.equal(late.failed[0]!.permanent, true, 'past the grace: failed for good');
  assert.match(late.failed[0]!.error, /Cannot find file/);
});

test('429 insufficient_quota stops submission at the first answer and says why', async (t) => {
  const env = await testEmulator(t, { faults: { http: [{ kind: 'insufficient_quota' }] } });
  const data = await tempDir(t);
  await writeBatchInputs(data, 3, 2);
  const p = await open(t, env, data, { submit: { concurrency: 1, requests_per_minute: 60_000 } });
  const round = await p.submitter.submitRound(await p.files());
  assert.equal(round.submitted.length, 0);
  assert.match(round.quotaError ?? '', /quota/);
  assert.equal(env.emulator.stats().faults, 1, 'one call, not retried round after round');
});

test('a cancelled batch without lines for its unfinished requests: taken as it is, the rest retried', async (t) => {
  const env = await testEmulator(t, {
    faults: { batches: [{ kind: 'no_unfinished_lines', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 10);
  const p = await open(t, env, data);
  await p.submitter.submitRound(await p.files());
  await env.advance(1450); // 4 requests done
  const [job] = [...p.submitter.jobs.values()];
  await env.client.batches.cancel(job!.batch_id);
  await env.advance(5000);
  await p.poller.tick();
  const handled = p.submitter.jobs.get(job!.batch_id)!;
  assert.equal(handled.done, true, `handled, not refetched: ${handled.download_error}`);
  assert.deepEqual(handled.outcome, { usable: 4, retry: 6, final: 0 });
  assert.ok(handled.result_notes?.some((n) => /6 requests in neither/.test(n)));
  for (let i = 0; i < 5; i++) {
    await p.submitter.submitRound(await p.files());
    await env.advance(60_000);
    await p.poller.tick();
  }
  const report = await checkInvariant(data);
  assert.equal(report.usable, 10);
  assert.equal(report.final.size, 0);
});

test('output_file_id null with completions: asked again for a while, not resent at once', async (t) => {
  const env = await testEmulator(t, {
    faults: { batches: [{ kind: 'null_output_id', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 3);
  const p = await open(t, env, data, { retry: { missing_output_wait_ms: 3_600_000 } });
  await p.submitter.submitRound(await p.files());
  await env.advance(60_000);
  await p.poller.tick();
  const [job] = [...p.submitter.jobs.values()];
  assert.equal(job!.request_counts?.completed, 3);
  assert.equal(job!.done, false, 'waiting for the output file');
  assert.equal(job!.retry_file, null, 'nothing sent again yet');
  assert.match(job!.download_error ?? '', /no output file yet/);
  await env.advance(3_600_000);
  await p.poller.tick();
  const later = p.submitter.jobs.get(job!.batch_id)!;
  assert.equal(later.done, true);
  assert.deepEqual(later.outcome, { usable: 0, retry: 3, final: 0 });
});

test('files expire: uploads and batches say how long, and an expired output file is handled', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 3);
  const p = await open(t, env, data, {
    submit: { input_expires_after_s: 86_400, output_expires_after_s: 3600, retry_base_ms: 1 },
  });
  await p.submitter.submitRound(await p.files());
  const [upload] = (await env.client.files.list({ purpose: 'batch' })).data;
  assert.equal(upload!.expires_at, upload!.created_at + 86_400);
  await env.advance(60_000);
  await p.submitter.tracker.refresh();
  const [job] = [...p.submitter.jobs.values()];
  const output = await env.client.files.retrieve(job!.output_file_id!);
  assert.equal(output.expires_at, output.created_at + 3600);
  // The daemon was away longer than the output file lives.
  await env.advance(2 * 3600_000);
  await p.poller.tick();
  const handled = p.submitter.jobs.get(job!.batch_id)!;
  assert.equal(handled.done, true, `not stuck on a 404: ${handled.download_error}`);
  assert.deepEqual(handled.outcome, { usable: 0, retry: 3, final: 0 });
  assert.ok(handled.result_notes?.some((n) => /gone from the API/.test(n)));
  const batchOutput = await readdir(join(data, '4.batch_output', 'repo_t'));
  assert.ok(!batchOutput.some((n) => n.startsWith('batch_results_')));
});

test('the daemon on an exhausted quota: stopped submitting, and status, health and /metrics say why', async (t) => {
  const { emulator } = await quickEmulator(t, {
    faults: { http: [{ route: 'POST /v1/files', kind: 'insufficient_quota' }] },
  });
  const dir = await tempDir(t);
  const config = daemonTestConfig({ http: { listen: '127.0.0.1:0' } });
  const d = await startTestDaemon(t, { dataDir: dir, emulator, config });
  const gen = createSliceGenerator({ repository: 'repo_q', seed: 9 });
  const lines = Array.from({ length: 3 }, () => JSON.stringify(gen.next()));
  await mkdir(join(dir, '2.reviewed_slices', 'repo_q'), { recursive: true });
  await writeFile(join(dir, '2.reviewed_slices', 'repo_q', 'q.jsonl'), `${lines.join('\n')}\n`);
  const text = await waitFor('the quota reported in /metrics', async () => {
    const body = await (await fetch(`${d.daemon.httpUrl}/metrics`)).text();
    return /slicebatch_needs_person\{reason="quota"\} 1/.test(body) ? body : undefined;
  });
  assert.match(text, /slicebatch_needs_person\{reason="auth"\} 0/);
  const health = await (await fetch(`${d.daemon.httpUrl}/healthz`)).text();
  assert.match(health, /quota is exhausted/);
  await waitFor('the heartbeat written', async () =>
    (await readHeartbeat(d.paths.state))?.problems.some((p) => /insufficient_quota/.test(p)),
  );
  const status = await runCli(['status', '--json', '--data-dir', dir], { cwd: dir });
  const report = JSON.parse(status.stdout) as StatusReport;
  assert.ok(
    report.attention.some((a) => /insufficient_quota/.test(a.message)),
    JSON.stringify(report.attention),
  );
  assert.equal((await readJobs(d.paths.batchOutput)).size, 0, 'nothing submitted');
});

test('reasoning used the whole budget: retried with a larger one, up to the cap, then final', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      requests: [{ kind: 'reasoning_length', custom_id: '_000[01]_func', min_budget: 300 }],
    },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 4); // max_completion_tokens 200
  const p = await open(t, env, data, {
    retry: { length_budget_factor: 2, max_completion_tokens_cap: 1000 },
  });
  for (let i = 0; i < 6; i++) {
    await p.submitter.submitRound(await p.files());
    await env.advance(60_000);
    await p.poller.tick();
  }
  const report = await checkInvariant(data);
  assert.equal(report.usable, 4, 'answered once the budget was 400');
  assert.equal(report.retries, 2, 'one retry each, not max_attempts at the same budget');
  const retryFile = (await p.files()).find((f) => f.manifest.attempt === 2)!;
  const lines = (await readFile(retryFile.path, 'utf8')).split('\n').filter(Boolean);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).body.max_completion_tokens),
    [400, 400],
  );
});

test('reasoning used the whole budget at the cap: final, not paid for again', async (t) => {
  const env = await testEmulator(t, {
    faults: { requests: [{ kind: 'reasoning_length', custom_id: '_0000_func', min_budget: 300 }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 2);
  const p = await open(t, env, data, { retry: { max_completion_tokens_cap: 250 } });
  for (let i = 0; i < 6; i++) {
    await p.submitter.submitRound(await p.files());
    await env.advance(60_000);
    await p.poller.tick();
  }
  const report = await checkInvariant(data);
  assert.equal(report.usable, 1);
  assert.equal(report.retries, 1, 'once with 250, then no more');
  assert.match([...report.final.values()][0]!, /whole budget of 250 tokens.*cap/);
});

test('cost counts cached prompt tokens at their price and reasoning tokens as output', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  const dir = join(data, '3.batch_input', 'repo_t');
  await mkdir(dir, { recursive: true });
  const system = 'You explain code with care and precision. '.repeat(160); // over 1,024 tokens
  const lines = Array.from({ length: 3 }, (_, i) =>
    requestLine(`scenario1_c_${i}_func`, {
      body: {
        model: 'gpt-5-mini',
        reasoning_effort: 'low',
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: `Explain function ${i}.` },
        ],
        max_completion_tokens: 2000,
      },
    }),
  );
  const name = batchInputName('scenario1', '20261125_120000', 0);
  await writeFile(join(dir, name), lines.map((l) => `${l}\n`).join(''));
  await writeJsonAtomic(
    join(dir, manifestNameFor(name)),
    await computeManifest(join(dir, name), name, tokenCounters()),
  );
  const p = await open(t, env, data);
  await p.submitter.submitRound(await p.files());
  await env.advance(60_000);
  await p.submitter.tracker.refresh();
  const [job] = [...p.submitter.jobs.values()];
  const usage = job!.usage!;
  const cached = usage.input_tokens_details?.cached_tokens ?? 0;
  const reasoning = usage.output_tokens_details?.reasoning_tokens ?? 0;
  assert.ok(cached > 0 && cached < usage.input_tokens, `cached ${cached}`);
  assert.equal(reasoning, 3 * 64, 'low effort: 64 reasoning tokens a request');
  const price = DEFAULT_PRICES['gpt-5-mini'];
  const expected =
    ((usage.input_tokens - cached) * price.input +
      cached * price.cached_input +
      usage.output_tokens * price.output) /
    1_000_000;
  assert.ok(Math.abs(job!.cost_usd! - expected) < 1e-12, `${job!.cost_usd} vs ${expected}`);
  assert.ok(usage.output_tokens > reasoning, 'reasoning is part of the output tokens');
});

test('scenarios.*.endpoint responses: built, counted, answered, judged and compiled, with the reasoning summary', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  const gen = createSliceGenerator({ repository: 'repo_r', seed: 11, classRatio: 0.4 });
  const slices = Array.from({ length: 6 }, () => gen.next());
  await mkdir(join(data, '2.reviewed_slices', 'repo_r'), { recursive: true });
  await writeFile(
    join(data, '2.reviewed_slices', 'repo_r', 'r.jsonl'),
    slices.map((s) => `${JSON.stringify(s)}\n`).join(''),
  );
  const raw = {
    data_dir: '.',
    scenarios: {
      scenario1: {
        model: 'gpt-5-mini',
        endpoint: 'responses',
        reasoning_effort: 'low',
        reasoning_summary: 'auto',
      },
      scenario2: { model: 'gpt-5-mini', endpoint: 'responses' },
    },
  };
  await writeFile(join(data, 'config.json'), JSON.stringify(raw));
  assert.equal((await runCli(['process', '--data-dir', data, '-q'], { cwd: data })).code, 0);
  const p = await open(t, env, data, raw);
  const files = await p.files();
  const first = JSON.parse((await readFile(files[0]!.path, 'utf8')).split('\n')[0]!);
  assert.equal(first.url, '/v1/responses');
  assert.equal(typeof first.body.input, 'string');
  assert.equal(first.body.text.format.type, 'json_schema');
  assert.ok(first.body.max_output_tokens > 0);
  await p.submitter.submitRound(files);
  await env.advance(60_000);
  await p.poller.tick();
  for (const job of p.submitter.jobs.values()) {
    const b = await env.client.batches.retrieve(job.batch_id);
    assert.equal(b.endpoint, '/v1/responses');
    const f = files.find((x) => x.display === job.batch_file)!;
    // The prompt tokens we counted are the ones the emulator reports using.
    assert.equal(job.usage?.input_tokens, f.manifest.prompt_tokens);
    assert.ok((job.usage?.output_tokens_details?.reasoning_tokens ?? 0) > 0);
  }
  const report = await checkInvariant(data);
  assert.equal(report.usable, 6);
  const summary = await compileDataset({
    paths: p.paths,
    config: p.config,
    now: () => new Date(env.clock.now()),
    log: quiet,
  });
  const records = [];
  for (const f of summary.processed) {
    for (const l of (await readFile(f.path, 'utf8')).split('\n').filter(Boolean))
      records.push(JSON.parse(l));
  }
  assert.equal(records.length, 6);
  for (const r of records) {
    if (r.metadata.scenario === 'scenario1') assert.match(r.metadata.reasoning_summary, /summary/);
    else assert.equal(r.metadata.reasoning_summary, undefined, 'not asked for');
    assert.ok(r.output.length > 0);
  }
});

test('an upload that expired before its file was sent again (after the token limit) is uploaded again', async (t) => {
  const env = await testEmulator(t, {
    faults: { batches: [{ kind: 'token_limit_exceeded', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 2);
  const p = await open(t, env, data, {
    submit: { input_expires_after_s: 3600, retry_base_ms: 1, requeue_base_ms: 1 },
  });
  await p.submitter.submitRound(await p.files());
  await env.advance(1100);
  await p.submitter.tracker.refresh(); // failed on the token limit: back in line
  await env.advance(2 * 3600_000); // its upload expired meanwhile
  const round = await p.submitter.submitRound(await p.files());
  assert.deepEqual(round.failed, []);
  assert.equal(round.submitted.length, 1);
  const uploads = (await env.client.files.list({ purpose: 'batch' })).data;
  assert.equal(uploads.length, 1, 'one live upload: the new one');
  assert.notEqual(round.submitted[0]!.file_id, [...p.submitter.jobs.values()][0]!.file_id);
  await env.advance(60_000);
  await p.poller.tick();
  assert.equal((await checkInvariant(data)).usable, 2);
});

test('after the quota stop, the next round submits every file (none left marked in flight)', async (t) => {
  const env = await testEmulator(t, {
    faults: { http: [{ route: 'POST /v1/files', kind: 'insufficient_quota', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 3, 2);
  const p = await open(t, env, data, { submit: { concurrency: 1, requests_per_minute: 60_000 } });
  const stopped = await p.submitter.submitRound(await p.files());
  assert.match(stopped.quotaError ?? '', /quota/);
  const next = await p.submitter.submitRound(await p.files());
  assert.equal(next.quotaError, undefined);
  assert.equal(next.submitted.length, 3, next.decisions.map((d) => d.kind).join(', '));
});
