/**
 * The pause the API asks for with a long `retry-after` (the limit on batch creations per hour)
 * is kept in the submitter's state folder: a submitter opened again on that folder (a restart)
 * asks nothing of the API before the pause ends, submits after it, and drops the kept pause.
 */
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createLogger } from '../../src/log/logger.ts';
import { SUBMIT_PAUSE_FILE } from '../../src/jobs/submit-pause-file.ts';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { Capture } from '../support/capture.ts';
import { testEmulator } from '../support/emulator.ts';
import { openTestSubmitter, type TestSubmitter } from '../support/submit-and-poll.ts';
import { tempDir } from '../support/temp-dir.ts';

const HOUR = 3_600_000;

const pausePath = (s: TestSubmitter): string => join(s.paths.state, SUBMIT_PAUSE_FILE);

/** Submits until the hour's two creations are spent and the API asks to wait; closed after. */
async function pausedFolder(t: TestContext) {
  const env = await testEmulator(t, { batchCreatesPerHour: 2 });
  const data = await tempDir(t);
  await writeBatchInputs(data, 4, 2);
  // One file at a time: the two creations of the hour, then the 429.
  const first = await openTestSubmitter(t, env, data, { concurrency: 1 });
  const round = await first.submitter.submitRound(await first.files());
  await first.close();
  assert.equal(round.submitted.length, 2, 'two creations fit the hour');
  assert.ok(round.pause !== undefined, 'the API asked to wait');
  return { env, pause: round.pause, first };
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

test('a pause the API asked for is kept across a restart: no call before it ends, every file submitted after', async (t) => {
  const { env, pause, first } = await pausedFolder(t);

  // A restart within the hour: the new submitter asks nothing of the API.
  await env.advance(10 * 60_000);
  const calls = env.emulator.stats().requests;
  const second = await first.reopen();
  const files = await second.files();
  const early = await second.submitter.submitRound(files);
  assert.equal(early.submitted.length, 0);
  assert.deepEqual(early.failed, []);
  assert.equal(env.emulator.stats().requests, calls, 'no call while the kept pause lasts');
  const waits = second.submitter.plan(files).filter((d) => d.kind === 'backoff');
  assert.equal(waits.length, 2, 'the files left wait for the pause');
  for (const w of waits) {
    assert.equal(w.kind === 'backoff' && w.until, pause.until, 'until the time the API named');
    assert.match((w.kind === 'backoff' && w.reason) || '', /the API limits these calls: 429/);
  }
  await second.close();

  // Another restart once the pause is over: the rest are created, once each.
  await env.advance(pause.until - env.clock.now());
  const third = await second.reopen();
  const later = await third.submitter.submitRound(await third.files());
  await third.close();
  assert.equal(later.submitted.length, 2, JSON.stringify(later.failed));
  assert.equal(env.emulator.stats().batchesCreated, 4, 'one batch per file');
  assert.equal(await exists(pausePath(third)), false, 'a pause that has passed is dropped');
});

test('the kept pause is dropped once passed, even without a round; a broken one is named and ignored', async (t) => {
  const { env, first } = await pausedFolder(t);
  const kept = pausePath(first);
  assert.equal(await exists(kept), true, 'kept in the state folder');

  await env.advance(HOUR);
  const after = await first.reopen();
  await after.close();
  assert.equal(await exists(kept), false, 'passed: dropped at start');

  await writeFile(kept, '{"until": "soon"');
  const logs = new Capture();
  const log = await createLogger({ level: 'info', stream: logs });
  const broken = await after.reopen({ log });
  const round = await broken.submitter.submitRound(await broken.files());
  await broken.close();
  assert.equal(round.submitted.length, 2, 'a broken pause file holds nothing up');
  const named = logs.logRecords().filter((r) => r.msg.includes(SUBMIT_PAUSE_FILE));
  assert.equal(named.length, 1, JSON.stringify(logs.logRecords().map((r) => r.msg)));
  assert.equal(await readFile(kept, 'utf8').catch(() => 'gone'), 'gone');
});
