/**
 * `status` on a batch whose result lines had `status_code: 0` (counted completed by the API, no
 * HTTP answer in the error file, sent again): its counts and files differ by exactly those lines.
 * `status` says what happened (a note, not a result mismatch that needs a person); a real
 * mismatch (requests with no line at all) stays flagged `result_mismatch`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildStatusReport } from '../../src/status/status-report.ts';
import { readStatusFacts } from '../../src/status/read-standing.ts';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { testEmulator, type TestEmulator } from '../support/emulator.ts';
import { createLogger } from '../../src/log/logger.ts';
import { Capture } from '../support/capture.ts';
import { openSubmitAndPoll } from '../support/submit-and-poll.ts';
import { tempDir } from '../support/temp-dir.ts';

/** A logger that keeps what the poll logs, and its messages. */
async function keptLog() {
  const capture = new Capture();
  return { log: await createLogger({ level: 'info', stream: capture }), capture };
}

async function statusOf(p: Awaited<ReturnType<typeof openSubmitAndPoll>>, env: TestEmulator) {
  const now = env.clock.now();
  return buildStatusReport(await readStatusFacts(p.paths, p.config, now), now);
}

test('status_code 0 lines: status says they were sent again, no result_mismatch', async (t) => {
  const env = await testEmulator(t, {
    faults: { requests: [{ kind: 'status_zero', custom_id: '_000[01]_func$' }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 4);
  const { log, capture } = await keptLog();
  const p = await openSubmitAndPoll(t, env, data, {}, log);
  await p.submitter.submitRound(await p.files());
  await env.advance(60_000);
  await p.poller.tick();
  const [job] = [...p.submitter.jobs.values()];
  assert.equal(job!.done, true);
  assert.equal(job!.outcome?.retry, 2);

  const report = await statusOf(p, env);
  assert.deepEqual(
    report.attention.filter((a) => a.kind === 'result_mismatch'),
    [],
    'explained, not a mismatch',
  );
  assert.deepEqual(
    report.notes.map((n) => n.kind),
    ['requests_unanswered'],
  );
  assert.match(
    report.notes[0]!.message,
    new RegExp(`batch ${job!.batch_id} .*2 requests .*status_code 0.*sent again`),
  );
  // The poll log tells them as sent again, not as files that do not match their counts.
  const messages = capture.logRecords().map((r) => r.msg);
  assert.deepEqual(
    messages.filter((m) => /do not match its counts/.test(m)),
    [],
    'explained: no warning that needs a person',
  );
  assert.equal(
    messages.filter((m) =>
      /2 result lines had no HTTP answer \(status_code 0\): their requests are sent again/.test(m),
    ).length,
    1,
    messages.join('\n'),
  );
});

test('a real mismatch (requests in neither file) stays result_mismatch, with no such note', async (t) => {
  const env = await testEmulator(t, {
    faults: { batches: [{ kind: 'no_unfinished_lines', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 10);
  const { log, capture } = await keptLog();
  const p = await openSubmitAndPoll(t, env, data, {}, log);
  await p.submitter.submitRound(await p.files());
  await env.advance(1450); // 4 requests done
  const [job] = [...p.submitter.jobs.values()];
  await env.client.batches.cancel(job!.batch_id);
  await env.advance(5000);
  await p.poller.tick();
  const report = await statusOf(p, env);
  const mismatch = report.attention.filter((a) => a.kind === 'result_mismatch');
  assert.equal(mismatch.length, 1);
  assert.match(mismatch[0]!.message, /6 requests in neither the output nor the error file/);
  assert.deepEqual(report.notes, []);
  // The poll log still warns of it.
  const warned = capture
    .logRecords()
    .filter((r) => r.level === 40 && /do not match its counts/.test(r.msg));
  assert.equal(warned.length, 1, capture.text);
});

test('status_code 0 lines beside a real mismatch: still result_mismatch, and the lines told', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      requests: [{ kind: 'status_zero', custom_id: '_0000_func$' }],
      batches: [{ kind: 'null_output_id', nth: [1] }],
    },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 4);
  const p = await openSubmitAndPoll(t, env, data, { retry: { missing_output_wait_ms: 0 } });
  await p.submitter.submitRound(await p.files());
  await env.advance(60_000);
  await p.poller.tick();
  const report = await statusOf(p, env);
  const mismatch = report.attention.filter((a) => a.kind === 'result_mismatch');
  assert.equal(mismatch.length, 1);
  assert.match(mismatch[0]!.message, /4 requests completed but no output file was shown/);
  assert.match(mismatch[0]!.message, /besides, 1 request had no HTTP answer \(status_code 0\)/);
  assert.doesNotMatch(mismatch[0]!.message, /errors file: 1 usable lines/, 'that count explained');
  assert.deepEqual(report.notes, []);
});
