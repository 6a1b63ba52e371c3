/**
 * The pause the API asks for with a long `retry-after` (the limit on batch creations per hour)
 * is kept in the submitter's state folder: a submitter opened again on that folder (a restart)
 * asks nothing of the API before the pause ends, submits after it, and drops the kept pause.
 */
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { createOpenAIBatchApi } from '../../src/openai/batch-api.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { SUBMIT_PAUSE_FILE } from '../../src/jobs/submit-pause-file.ts';
import { openSubmitter } from '../../src/submit/submitter.ts';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { Capture } from '../support/capture.ts';
import { testEmulator, type TestEmulator } from '../support/emulator.ts';
import { tempDir } from '../support/temp-dir.ts';

const HOUR = 3_600_000;

/** A submitter over `dataDir` on the emulator's clock; closed by the caller (a restart). */
async function submitterOn(env: TestEmulator, dataDir: string, log?: Logger) {
  const config = parseConfig(
    { submit: { concurrency: 1, requests_per_minute: 60_000, retry_base_ms: 1 } },
    'test',
  );
  const paths = dataPaths(dataDir, '.');
  const api = createOpenAIBatchApi({ apiKey: 'sk-test', baseURL: env.emulator.url, maxRetries: 0 });
  const submitter = await openSubmitter({
    api,
    stateDir: paths.state,
    batchOutputDir: paths.batchOutput,
    config,
    clock: env.clock,
    log: log ?? (await createLogger({ level: 'silent', stream: { write() {} } })),
  });
  const files = () => listBatchInputFiles(paths.batchInput, paths.dataDir);
  return { submitter, files, pausePath: join(paths.state, SUBMIT_PAUSE_FILE) };
}

/** Submits until the hour's two creations are spent and the API asks to wait; closed after. */
async function pausedFolder(t: TestContext) {
  const env = await testEmulator(t, { batchCreatesPerHour: 2 });
  const data = await tempDir(t);
  await writeBatchInputs(data, 4, 2);
  const first = await submitterOn(env, data);
  const round = await first.submitter.submitRound(await first.files());
  await first.submitter.close();
  assert.equal(round.submitted.length, 2, 'two creations fit the hour');
  assert.ok(round.pause !== undefined, 'the API asked to wait');
  return { env, data, pause: round.pause };
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

test('a pause the API asked for is kept across a restart: no call before it ends, every file submitted after', async (t) => {
  const { env, data, pause } = await pausedFolder(t);

  // A restart within the hour: the new submitter asks nothing of the API.
  await env.advance(10 * 60_000);
  const calls = env.emulator.stats().requests;
  const second = await submitterOn(env, data);
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
  await second.submitter.close();

  // Another restart once the pause is over: the rest are created, once each.
  await env.advance(pause.until - env.clock.now());
  const third = await submitterOn(env, data);
  const later = await third.submitter.submitRound(await third.files());
  await third.submitter.close();
  assert.equal(later.submitted.length, 2, JSON.stringify(later.failed));
  assert.equal(env.emulator.stats().batchesCreated, 4, 'one batch per file');
  assert.equal(await exists(third.pausePath), false, 'a pause that has passed is dropped');
});

test('the kept pause is dropped once passed, even without a round; a broken one is named and ignored', async (t) => {
  const { env, data } = await pausedFolder(t);
  const { pausePath } = await submitterOn(env, data).then(async (s) => {
    await s.submitter.close();
    return s;
  });
  assert.equal(await exists(pausePath), true, 'kept in the state folder');

  await env.advance(HOUR);
  const after = await submitterOn(env, data);
  await after.submitter.close();
  assert.equal(await exists(pausePath), false, 'passed: dropped at start');

  await writeFile(pausePath, '{"until": "soon"');
  const logs = new Capture();
  const log = await createLogger({ level: 'info', stream: logs });
  const broken = await submitterOn(env, data, log);
  const round = await broken.submitter.submitRound(await broken.files());
  await broken.submitter.close();
  assert.equal(round.submitted.length, 2, 'a broken pause file holds nothing up');
  const named = logs.logRecords().filter((r) => r.msg.includes(SUBMIT_PAUSE_FILE));
  assert.equal(named.length, 1, JSON.stringify(logs.logRecords().map((r) => r.msg)));
  assert.equal(await readFile(pausePath, 'utf8').catch(() => 'gone'), 'gone');
});
