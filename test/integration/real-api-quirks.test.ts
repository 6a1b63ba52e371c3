/**
 * More of the real Batch API's ways, end to end (the first ones are in real-api.test.ts): an
 * absent file id sent as `""`, and the limit on batch creations per hour (429 with a long
 * retry-after). Each case runs the submitter and the poller against the emulator (its default
 * behaviour, or a fault kind), on the emulator's clock.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { submissionRoundReport } from '../../src/submit/round-report.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { StatusReport } from '../../src/status/status-report.ts';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { Capture } from '../support/capture.ts';
import { runCli } from '../support/cli.ts';
import { downloadLines, testEmulator } from '../support/emulator.ts';
import { checkInvariant } from '../support/pipeline.ts';
import { openSubmitAndPoll } from '../support/submit-and-poll.ts';
import { tempDir } from '../support/temp-dir.ts';

test('an absent file id sent as "" (a clean batch\'s error_file_id) is no file: polled, handled once', async (t) => {
  const env = await testEmulator(t, { faults: { batches: [{ kind: 'empty_file_ids' }] } });
  const data = await tempDir(t);
  await writeBatchInputs(data, 2, 3);
  const p = await openSubmitAndPoll(t, env, data);
  const round = await p.submitter.submitRound(await p.files());
  assert.equal(round.submitted.length, 2, JSON.stringify(round.failed));
  const [first] = round.submitted;
  const raw = await env.client.batches.retrieve(first!.batch_id);
  assert.equal(raw.output_file_id, '', 'the emulator sends "" while no output file exists');
  await env.advance(60_000);
  const shown = await env.client.batches.retrieve(first!.batch_id);
  assert.equal(shown.status, 'completed');
  assert.equal(shown.error_file_id, '', 'no failed request: the error file id is ""');
  const tick = await p.poller.tick();
  assert.equal(tick.handled, 2, 'both batches handled in one tick, not a failed tick');
  for (const job of p.submitter.jobs.values()) {
    assert.equal(job.done, true);
    assert.equal(job.error_file_id, null, 'kept as no file, not as a file named ""');
    assert.equal(job.download_error, null);
    assert.deepEqual(job.outcome, { usable: 3, retry: 0, final: 0 });
  }
  const again = await p.poller.tick();
  assert.equal(again.handled, 0, 'handled once');
  const report = await checkInvariant(data);
  assert.equal(report.usable, 6);
});

test('the limit on batch creations per hour: its 429 pauses submission until the time it names, nothing lost or doubled', async (t) => {
  const env = await testEmulator(t, { batchCreatesPerHour: 2 });
  const data = await tempDir(t);
  await writeBatchInputs(data, 4, 2);
  const logs = new Capture();
  const log = await createLogger({ level: 'info', stream: logs });
  const p = await openSubmitAndPoll(
    t,
    env,
    data,
    { submit: { concurrency: 1, requests_per_minute: 60_000, retry_base_ms: 1 } },
    log,
  );
  const started = env.clock.now();
  const round = await p.submitter.submitRound(await p.files());
  assert.equal(round.submitted.length, 2, 'two creations fit the hour');
  assert.ok(
    env.clock.now() - started < 60_000,
    `the round does not sit out the hour (it took ${env.clock.now() - started} ms of the clock)`,
  );
  assert.deepEqual(round.failed, [], 'the other files are not failed: they wait');
  const waiting = submissionRoundReport(round, new Date(env.clock.now())).waiting;
  assert.equal(waiting.length, 2, JSON.stringify(waiting));
  for (const w of waiting) assert.match(w.reason, /^waits until .+ \(the API limits .*429/);
  const paused = logs.logRecords().filter((r) => /no file is submitted before/.test(r.msg));
  assert.equal(paused.length, 1, 'one log line says why and until when');
  assert.match(paused[0]!.msg, /429 rate_limit_exceeded: .*Limit 2 \/ 1h/);
  const created = env.emulator.stats().batchesCreated;
  assert.equal(created, 2);

  // A round within the hour asks nothing of the API.
  await env.advance(10 * 60_000);
  const calls = env.emulator.stats().requests;
  const early = await p.submitter.submitRound(await p.files());
  assert.equal(early.submitted.length, 0);
  assert.equal(env.emulator.stats().requests, calls, 'no call while the API asked to wait');

  // Once the hour is over, the rest are created, each once, and everything completes.
  await env.advance(51 * 60_000);
  const later = await p.submitter.submitRound(await p.files());
  assert.equal(later.submitted.length, 2, JSON.stringify(later.failed));
  for (let i = 0; i < 3; i++) {
    await env.advance(60_000);
    await p.poller.tick();
  }
  assert.equal(env.emulator.stats().batchesCreated, 4, 'one batch per file');
  const report = await checkInvariant(data);
  assert.equal(report.usable, 8);
  assert.equal(report.final.size, 0);
});

test('400 billing_hard_limit_reached stops submission like an exhausted quota: no file failed', async (t) => {
  const env = await testEmulator(t, {
    faults: { http: [{ route: 'POST /v1/batches', kind: 'billing_hard_limit', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 3, 2);
  const p = await openSubmitAndPoll(t, env, data, {
    submit: { concurrency: 1, requests_per_minute: 60_000 },
  });
  const round = await p.submitter.submitRound(await p.files());
  assert.equal(round.submitted.length, 0);
  assert.match(round.quotaError ?? '', /Billing hard limit/);
  assert.deepEqual(round.failed, [], 'the file is not failed for good');
  assert.equal(env.emulator.stats().faults, 1, 'one call: the other files were not tried');
  // Billing raised: the next round submits every file, the first one included, once each.
  const next = await p.submitter.submitRound(await p.files());
  assert.equal(next.submitted.length, 3, JSON.stringify(next.failed));
  assert.equal(env.emulator.stats().batchesCreated, 3);
});

test("a batch the API does not know (404: another project's key, or deleted) holds up no other batch", async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  await writeBatchInputs(data, 2, 2);
  const logs = new Capture();
  const log = await createLogger({ level: 'info', stream: logs });
  const p = await openSubmitAndPoll(t, env, data, {}, log);
  const round = await p.submitter.submitRound(await p.files());
  assert.equal(round.submitted.length, 2);
  // A job file of a batch this API key cannot see (copied from another project, say).
  const known = round.submitted[0]!;
  const stranger = {
    ...known,
    batch_id: 'batch_0123456789abcdef0123456789abcdef',
    batch_file: '3.batch_input/other/elsewhere.jsonl',
    repo: 'other',
    input_sha256: 'f'.repeat(64),
  };
  await p.submitter.tracker.save(stranger);
  await env.advance(60_000);
  const tick = await p.poller.tick();
  assert.equal(tick.handled, 2, 'the two batches the API knows are handled');
  const flagged = p.submitter.jobs.get(stranger.batch_id)!;
  assert.equal(flagged.done, false, 'nothing decided for its requests: nothing resent');
  assert.equal(flagged.retry_file, null);
  assert.match(flagged.unknown_to_api?.message ?? '', /404/);
  const warned = logs.logRecords().filter((r) => /does not know batch/.test(r.msg));
  assert.equal(warned.length, 1, 'one warning');
  // Asked again on each tick, without a new warning; the rest goes on.
  await env.advance(60_000);
  await p.poller.tick();
  assert.equal(logs.logRecords().filter((r) => /does not know batch/.test(r.msg)).length, 1);
  const status = await runCli(['status', '--json', '--data-dir', data], { cwd: data });
  const report = JSON.parse(status.stdout) as StatusReport;
  assert.ok(
    report.attention.some(
      (a) => a.kind === 'batch_unknown' && a.message.includes(stranger.batch_id),
    ),
    JSON.stringify(report.attention),
  );
  const invariant = await checkInvariant(data);
  assert.equal(invariant.usable, 4);
});

test('a 404 for a batch that the API answers for again: the mark goes, the batch is handled once', async (t) => {
  const env = await testEmulator(t, {
    faults: { http: [{ route: 'GET /v1/batches/*', kind: 'status', status: 404, nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 2);
  const p = await openSubmitAndPoll(t, env, data);
  const [job] = (await p.submitter.submitRound(await p.files())).submitted;
  await env.advance(60_000);
  assert.equal((await p.poller.tick()).handled, 0);
  assert.ok(p.submitter.jobs.get(job!.batch_id)!.unknown_to_api, 'marked on the 404');
  const tick = await p.poller.tick();
  assert.equal(tick.handled, 1);
  const handled = p.submitter.jobs.get(job!.batch_id)!;
  assert.equal(handled.unknown_to_api, null, 'the mark is gone');
  assert.deepEqual(handled.outcome, { usable: 2, retry: 0, final: 0 });
});

test('result lines come in another order than the requests: each is joined to its own request', async (t) => {
  const env = await testEmulator(t);
  const data = await tempDir(t);
  const [path] = await writeBatchInputs(data, 1, 40);
  const sent = (await readFile(path!, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { custom_id: string }).custom_id);
  const p = await openSubmitAndPoll(t, env, data);
  const [job] = (await p.submitter.submitRound(await p.files())).submitted;
  await env.advance(60_000);
  const batch = await env.client.batches.retrieve(job!.batch_id);
  const lines = (await downloadLines(env.client, batch.output_file_id)) as {
    custom_id: string;
  }[];
  const order = lines.map((l) => l.custom_id);
  assert.notDeepEqual(order, sent, 'the emulator, as the API, does not keep the input order');
  assert.deepEqual([...order].sort(), [...sent].sort(), 'each request once');
  assert.equal((await p.poller.tick()).handled, 1);
  assert.deepEqual(p.submitter.jobs.get(job!.batch_id)!.outcome, {
    usable: 40,
    retry: 0,
    final: 0,
  });
  const report = await checkInvariant(data);
  assert.equal(report.usable, 40);
});

test('a batch that sits in finalizing for most of a day: waited for, nothing resent, handled once', async (t) => {
  const env = await testEmulator(t, {
    faults: { batches: [{ kind: 'stall', phase: 'finalizing', for_s: 20 * 3600 }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 3);
  const p = await openSubmitAndPoll(t, env, data);
  const [job] = (await p.submitter.submitRound(await p.files())).submitted;
  for (let hour = 0; hour < 19; hour++) {
    await env.advance(3_600_000);
    await p.poller.tick();
    await p.submitter.submitRound(await p.files());
  }
  const waiting = p.submitter.jobs.get(job!.batch_id)!;
  assert.equal(waiting.status, 'finalizing');
  assert.equal(waiting.request_counts?.completed, 3);
  assert.equal(waiting.done, false);
  assert.equal(waiting.retry_file, null, 'nothing sent again while it finalizes');
  assert.equal(env.emulator.stats().batchesCreated, 1);
  await env.advance(2 * 3_600_000);
  assert.equal((await p.poller.tick()).handled, 1);
  const handled = p.submitter.jobs.get(job!.batch_id)!;
  assert.equal(handled.status, 'completed');
  assert.deepEqual(handled.outcome, { usable: 3, retry: 0, final: 0 });
  await p.submitter.submitRound(await p.files());
  assert.equal(env.emulator.stats().batchesCreated, 1, 'one batch in all');
});
