/**
 * Answers that come from the HTTP layer in front of the API rather than from the API: a proxy's
 * HTML error page (502/503/504, `content-type: text/html`), and the wait a 429 asks for written
 * as an HTTP-date (RFC 9110) on a server clock that is not ours, or as `retry-after-ms` alone.
 * Each case runs the submitter against the emulator, on the emulator's clock.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { Capture } from '../support/capture.ts';
import { testEmulator } from '../support/emulator.ts';
import { checkInvariant } from '../support/pipeline.ts';
import { openSubmitAndPoll } from '../support/submit-and-poll.ts';
import { tempDir } from '../support/temp-dir.ts';

/** The longest an API failure's message may be in a log line or a file (the HTML cut down). */
const MAX_MESSAGE = 300;

test("a proxy's HTML 502 page: transient, retried, and no HTML in the log", async (t) => {
  const env = await testEmulator(t, {
    faults: {
      // The first is the raw look below, the second the submitter's create.
      http: [{ route: 'POST /v1/batches', kind: 'gateway_html', status: 502, nth: [1, 2] }],
    },
  });
  const raw = await fetch(`${env.emulator.url}/batches`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(raw.status, 502);
  assert.match(raw.headers.get('content-type') ?? '', /^text\/html/);
  assert.ok((await raw.text()).length > 4000, 'a page of a few kilobytes, as a proxy sends');

  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 2);
  const logs = new Capture();
  const log = await createLogger({ level: 'info', stream: logs });
  const p = await openSubmitAndPoll(t, env, data, {}, log);
  const round = await p.submitter.submitRound(await p.files());
  assert.equal(round.submitted.length, 1, JSON.stringify(round.failed));
  const retried = logs.logRecords().filter((r) => /; retrying$/.test(r.msg));
  assert.equal(retried.length, 1, 'the 502 was retried as a transient failure');
  assert.match(retried[0]!.msg, /502/);
  assert.match(retried[0]!.msg, /Bad gateway/, 'the page title says what happened');
  for (const line of logs.text.split('\n'))
    assert.doesNotMatch(line, /<div|<html|<!DOCTYPE/i, 'no HTML in the log');
});

test('a gateway that keeps answering HTML: the file fails this round with a short message, nothing of the page in the files', async (t) => {
  const env = await testEmulator(t, {
    faults: { http: [{ route: 'POST /v1/batches', kind: 'gateway_html', status: 504 }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 2);
  const logs = new Capture();
  const log = await createLogger({ level: 'info', stream: logs });
  const p = await openSubmitAndPoll(t, env, data, {}, log);
  const round = await p.submitter.submitRound(await p.files());
  assert.equal(round.submitted.length, 0);
  const texts = [logs.text, JSON.stringify(round)];
  for (const dir of [join(data, '4.batch_output'), join(data, '.slicebatch')]) {
    for (const name of await readdir(dir, { recursive: true }).catch(() => [] as string[])) {
      const text = await readFile(join(dir, name), 'utf8').catch(() => '');
      texts.push(text);
    }
  }
  for (const text of texts) assert.doesNotMatch(text, /<div|<html|<!DOCTYPE/i);
  const messages = logs
    .logRecords<{ msg: string; err?: { message?: string } }>()
    .flatMap((r) => [r.msg, r.err?.message ?? '']);
  assert.ok(messages.some((m) => /504/.test(m) && /Gateway time-out/.test(m)));
  for (const m of messages) assert.ok(m.length <= MAX_MESSAGE + 200, `${m.length}: ${m}`);
});

test('retry-after as an HTTP-date on a server clock two hours behind ours: the pause is the hour the API asked for', async (t) => {
  const env = await testEmulator(t, {
    batchCreatesPerHour: 2,
    faults: { clock_offset_s: -7200, retry_after_form: 'http_date' },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 4, 2);
  const p = await openSubmitAndPoll(t, env, data, {
    submit: { concurrency: 1, requests_per_minute: 60_000, retry_base_ms: 1 },
  });
  const before = env.clock.now();
  const round = await p.submitter.submitRound(await p.files());
  assert.equal(round.submitted.length, 2);
  assert.deepEqual(round.failed, [], 'the others wait, not failed');
  const wait = (round.pause?.until ?? 0) - before;
  assert.ok(
    wait > 59 * 60_000 && wait <= 61 * 60_000,
    `the pause lasts the hour the API named, on our clock (${wait} ms)`,
  );
  await env.advance(61 * 60_000);
  const later = await p.submitter.submitRound(await p.files());
  assert.equal(later.submitted.length, 2);
  for (let i = 0; i < 3; i++) {
    await env.advance(60_000);
    await p.poller.tick();
  }
  assert.equal(env.emulator.stats().batchesCreated, 4, 'one batch per file');
  assert.equal((await checkInvariant(data)).usable, 8);
});

test('retry-after-ms alone: the pause is the wait it names', async (t) => {
  const env = await testEmulator(t, {
    batchCreatesPerHour: 1,
    faults: { retry_after_form: 'ms' },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 2, 2);
  const p = await openSubmitAndPoll(t, env, data, {
    submit: { concurrency: 1, requests_per_minute: 60_000, retry_base_ms: 1 },
  });
  const before = env.clock.now();
  const round = await p.submitter.submitRound(await p.files());
  assert.equal(round.submitted.length, 1);
  const wait = (round.pause?.until ?? 0) - before;
  assert.ok(wait > 59 * 60_000 && wait <= 61 * 60_000, `${wait} ms`);
});
