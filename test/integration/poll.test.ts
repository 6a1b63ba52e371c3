import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { runCli } from '../support/cli.ts';
import { downloadLines, requestLine, testEmulator } from '../support/emulator.ts';
import { checkInvariant, testPipeline } from '../support/pipeline.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START } from '../support/test-time.ts';
import { batchInputName, fileTimestamp } from '../../src/domain/file-names.ts';

const jobsOf = (p: Awaited<ReturnType<typeof testPipeline>>) => [...p.submitter.jobs.values()];

test('completed with errors: transient failures are retried and succeed, a 400 is not retried', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      requests: [
        { kind: 'error_object', code: 'server_error', custom_id: '_0001_func$' },
        { kind: 'error_4xx', status: 400, custom_id: '_0002_func$' },
      ],
    },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 4);
  const p = await testPipeline(t, env, data);
  await p.settle();
  const report = await checkInvariant(data);
  assert.equal(report.sent, 4);
  assert.equal(report.usable, 3, 'the server error was retried and succeeded');
  assert.equal(report.retries, 1);
  assert.deepEqual(
    [...report.final.values()],
    [
      'rejected by the API (HTTP 400): (emulated fault) Invalid request for scenario1_x_0_0002_func.',
    ],
  );
  const first = jobsOf(p).find((j) => j.attempt === 1 && j.request_counts?.failed === 2)!;
  assert.deepEqual(first.outcome, { usable: 2, retry: 1, final: 1 });
  assert.ok(first.results_path && first.errors_path && first.retry_file);
});

test('completed with no output file: every request failed for good, nothing retried', async (t) => {
  const env = await testEmulator(t, { faults: { batches: [{ kind: 'no_output', nth: [1] }] } });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 3);
  const p = await testPipeline(t, env, data);
  await p.settle();
  const report = await checkInvariant(data);
  assert.equal(report.final.size, 3);
  assert.equal(env.emulator.stats().batchesCreated, 1);
  const [job] = jobsOf(p);
  assert.equal(job!.output_file_id, null);
  assert.equal(job!.results_path, null);
});

test('expired part-way: the finished requests are kept, the rest resubmitted and completed', async (t) => {
  const env = await testEmulator(t, {
    faults: { batches: [{ kind: 'expire', after_requests: 2, nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 5);
  const p = await testPipeline(t, env, data);
  await p.settle();
  const report = await checkInvariant(data);
  assert.equal(report.usable, 5);
  assert.equal(report.retries, 3);
  const expired = jobsOf(p).find((j) => j.status === 'expired')!;
  assert.deepEqual(expired.outcome, { usable: 2, retry: 3, final: 0 });
  const kept = (await readFile(join(data, expired.results_path!), 'utf8'))
    .split('\n')
    .filter(Boolean);
  assert.equal(kept.length, 2, 'the paid partial results are on disk');
  const retried = jobsOf(p).find((j) => j.status === 'completed')!;
  assert.equal(retried.request_attempt, 2);
  assert.equal(retried.requests, 3);
});

test('cancelled by a person: finished results kept, the rest recorded as cancelled, not resent', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 10);
  const p = await testPipeline(t, env, data);
  await p.submitter.submitRound(await listBatchInputFiles(join(data, '3.batch_input'), data));
  await env.advance(1450); // 4 requests done
  const [job] = jobsOf(p);
  await env.client.batches.cancel(job!.batch_id);
  await p.settle();
  const report = await checkInvariant(data);
  assert.equal(report.usable, 4);
  assert.equal(report.final.size, 6);
  assert.ok(
    [...report.final.values()].every(
      (r) => r === 'not run: the batch was cancelled (not by slicebatch)',
    ),
  );
  assert.equal(env.emulator.stats().batchesCreated, 1);
});

test('failed by validation: the API errors are recorded and surfaced, the line named final, the other sent again', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  const dir = join(data, '3.batch_input', 'repo_t');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, batchInputName('scenario1', fileTimestamp(RUN_START), 0)),
    `${requestLine('scenario1_a_func')}\n${requestLine('scenario1_b_func', { body: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'x' }] } })}\n`,
  );
  const p = await testPipeline(t, env, data);
  await p.settle();
  const report = await checkInvariant(data);
  assert.equal(report.final.size, 1);
  assert.match(
    [...report.final.values()][0]!,
    /^the batch failed validation at line 2 of 3\.batch_input\/repo_t\/\S+: mismatched_model/,
  );
  assert.equal(report.usable, 1, 'line 1, not at fault, sent again');
  const [job] = jobsOf(p);
  assert.equal(job!.status, 'failed');
  assert.equal(job!.errors?.[0]?.code, 'mismatched_model');
  assert.equal(env.emulator.stats().batchesCreated, 2);
});

test('failed by the token limit, then succeeding once the budget allows', async (t) => {
  const data = await tempDir(t);
  await writeBatchInputs(data, 2, 4);
  const per = (await listBatchInputFiles(join(data, '3.batch_input'), data))[0]!.manifest
    .prompt_tokens;
  const env = await testEmulator(t, { tokenLimits: { 'gpt-4o-mini': Math.floor(per * 1.5) } });
  const p = await testPipeline(t, env, data);
  await p.settle();
  const report = await checkInvariant(data);
  assert.equal(report.usable, 8);
  assert.equal(
    report.retries,
    0,
    'a token-limit failure is a resubmission of the file, not of requests',
  );
  const statuses = jobsOf(p)
    .map((j) => j.status)
    .sort();
  assert.deepEqual(statuses, ['completed', 'completed', 'failed']);
});

test('content that is not valid JSON is retried and then succeeds', async (t) => {
  const env = await testEmulator(t, {
    faults: { requests: [{ kind: 'invalid_json', custom_id: '_func$' }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 3);
  const p = await testPipeline(t, env, data);
  await p.settle();
  const report = await checkInvariant(data);
  assert.equal(report.usable, 3);
  assert.equal(report.retries, 3);
  const attempts = jobsOf(p)
    .map((j) => j.request_attempt)
    .sort();
  assert.deepEqual(attempts, [1, 2]);
});

test('retry.max_attempts is respected: then the reason is final', async (t) => {
  const env = await testEmulator(t, { faults: { requests: [{ kind: 'invalid_json' }] } });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 2);
  const p = await testPipeline(t, env, data, { retry: { max_attempts: 3 } });
  await p.settle();
  const report = await checkInvariant(data);
  assert.equal(report.usable, 0);
  assert.equal(report.retries, 4);
  for (const reason of report.final.values()) {
    assert.match(
      reason,
      /^gave up after 3 attempts; last: content is not valid JSON \(cut short: finish_reason length\)/,
    );
  }
  assert.equal(env.emulator.stats().batchesCreated, 3);
});

test('a download cut in the middle, or left half-done by a crash, is resumed and verified', async (t) => {
  const env = await testEmulator(t, {
    faults: { http: [{ route: 'GET /v1/files/*/content', kind: 'cut_body', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 2, 30);
  const p = await testPipeline(t, env, data);
  await p.cycle();
  // The first download was cut: its part file holds half of it, the job waits.
  const pending = jobsOf(p).filter((j) => !j.done);
  assert.equal(pending.length, 1);
  assert.match(pending[0]!.download_error ?? '', /terminated|socket|closed|reset|other side/i);
  const dir = join(data, '4.batch_output', 'repo_t');
  assert.ok((await readdir(dir)).some((n) => n.endsWith('.part')));
  await p.settle();
  await checkInvariant(data);
  assert.ok(!(await readdir(dir)).some((n) => n.endsWith('.part')));
  for (const job of jobsOf(p)) {
    const local = (await readFile(join(data, job.results_path!), 'utf8'))
      .split('\n')
      .filter(Boolean);
    assert.equal(local.length, 30);
  }
});

test('a crash mid-download leaves a part file; the restart resumes it (state built on disk)', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 40);
  const p = await testPipeline(t, env, data, { remote_cleanup: false });
  await p.submitter.submitRound(await listBatchInputFiles(join(data, '3.batch_input'), data));
  await env.advance(60_000);
  await p.submitter.tracker.refresh();
  const [job] = jobsOf(p);
  const full = (await downloadLines(env.client, job!.output_file_id))
    .map((l) => `${JSON.stringify(l)}\n`)
    .join('');
  const dir = join(data, '4.batch_output', 'repo_t');
  // What a crash half-way through leaves: the first bytes, in the part file.
  const cut = Math.floor(Buffer.byteLength(full) * 0.4);
  await writeFile(
    join(dir, `.batch_results_${job!.batch_id}.jsonl.part`),
    Buffer.from(full).subarray(0, cut),
  );
  const before = env.emulator.stats().requests;
  await p.poller.tick();
  const after = (await readFile(join(dir, `batch_results_${job!.batch_id}.jsonl`), 'utf8'))
    .split('\n')
    .filter(Boolean);
  assert.equal(after.length, 40);
  assert.ok(env.emulator.stats().requests > before);
  await checkInvariant(data);
});

test('--check-status and --download-results work for a batch slicebatch did not create', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  const file = await env.client.files.create({
    file: await (async () => {
      const path = join(data, 'mine.jsonl');
      await writeFile(path, `${requestLine('theirs_1')}\n${requestLine('theirs_2')}\n`);
      return createReadStream(path);
    })(),
    purpose: 'batch',
  });
  const batch = await env.client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  await env.advance(60_000);
  const cliEnv = { OPENAI_API_KEY: 'sk-test-1234', OPENAI_BASE_URL: env.emulator.url };
  const status = await runCli(['submit', '--data-dir', data, '-s', batch.id], {
    cwd: data,
    env: cliEnv,
  });
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /status\s+completed/);
  assert.match(status.stdout, /not a batch of this data folder/);
  const dl = await runCli(['submit', '--data-dir', data, '-d', batch.id], {
    cwd: data,
    env: cliEnv,
  });
  assert.equal(dl.code, 0, dl.stderr);
  const lines = (
    await readFile(join(data, '4.batch_output', `batch_results_${batch.id}.jsonl`), 'utf8')
  )
    .split('\n')
    .filter(Boolean);
  assert.deepEqual(lines.map((l) => JSON.parse(l).custom_id).sort(), ['theirs_1', 'theirs_2']);
});

test('a tick asked for while one runs shares it; many active jobs cost one listing, not a call each', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  await writeBatchInputs(data, 230, 1);
  const p = await testPipeline(t, env, data);
  await p.submitter.submitRound(await listBatchInputFiles(join(data, '3.batch_input'), data));
  await env.advance(500); // all still validating: 230 active jobs
  const before = env.emulator.stats().requests;
  const [a, b] = [p.poller.tick(), p.poller.tick()];
  assert.equal(a, b, 'the second request shares the running tick');
  const summary = await a;
  // Pages of 100: 3 listing calls for 230 jobs (no retrieve per job).
  assert.equal(env.emulator.stats().requests - before, 3);
  assert.equal(summary.changed, 0);
  await env.advance(1000); // all in progress now
  const mid = env.emulator.stats().requests;
  const changed = await p.poller.tick();
  assert.equal(changed.changed, 230, 'every job file updated');
  assert.equal(env.emulator.stats().requests - mid, 3);
});

test('with few active jobs, a retrieve each; remote files are deleted once handled', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  await writeBatchInputs(data, 2, 2);
  const p = await testPipeline(t, env, data);
  await p.submitter.submitRound(await listBatchInputFiles(join(data, '3.batch_input'), data));
  const before = env.emulator.stats().requests;
  await p.poller.tick();
  assert.equal(env.emulator.stats().requests - before, 2, 'two retrieves');
  await p.settle();
  await checkInvariant(data);
  const left = await env.client.files.list();
  assert.deepEqual(
    left.data.map((f) => f.purpose),
    [],
    'inputs, outputs and error files deleted',
  );
});
