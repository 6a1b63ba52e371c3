/**
 * Answers from a broken or hostile server: a 200 of the wrong shape is a failed call (nothing
 * of it reaches a job file, nothing is paid twice), and the next call mends it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJobs } from '../../src/jobs/job-store.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { testEmulator } from '../support/emulator.ts';
import { checkInvariant, testPipeline } from '../support/pipeline.ts';
import { tempDir } from '../support/temp-dir.ts';
import { join } from 'node:path';

for (const { route, jobs } of [
  { route: 'GET /v1/batches/*', jobs: 1 }, // one job: a retrieve
  { route: 'GET /v1/batches', jobs: 3 }, // several: the listing
]) {
  test(`a 200 of the wrong shape from ${route} fails the tick's refresh and leaves the job files as they were`, async (t) => {
    const env = await testEmulator(t, {
      faults: { http: [{ route, kind: 'wrong_shape', nth: [1] }] },
    });
    const data = await tempDir(t);
    await writeBatchInputs(data, jobs, 3);
    const p = await testPipeline(t, env, data);
    await p.submitter.submitRound(await listBatchInputFiles(join(data, '3.batch_input'), data));
    const before = await readJobs(join(data, '4.batch_output'));
    assert.equal(before.size, jobs);
    await env.advance(60_000);
    // The tick goes on (ended batches would still be handled) and reports the failure.
    const tick = await p.poller.tick();
    assert.match(
      tick.refreshFailure?.message ?? '',
      /batches\.(retrieve|list) answered with a wrong shape \((data\.0\.)?id: /,
    );
    assert.equal(tick.changed, 0);
    assert.deepEqual(await readJobs(join(data, '4.batch_output')), before);
    for (const job of p.submitter.jobs.values()) assert.equal(job.status, 'validating');
    // The next tick gets a proper answer and everything goes through.
    await p.settle();
    const report = await checkInvariant(data);
    assert.equal(report.usable, 3 * jobs);
    assert.equal(env.emulator.stats().batchesCreated, jobs);
  });
}

test('a 200 of the wrong shape to a batch creation is a failed call: checked, not paid twice', async (t) => {
  const env = await testEmulator(t, {
    faults: { http: [{ route: 'POST /v1/batches', kind: 'wrong_shape', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 3);
  const p = await testPipeline(t, env, data);
  await p.settle();
  const report = await checkInvariant(data);
  assert.equal(report.usable, 3);
  assert.equal(env.emulator.stats().batchesCreated, 1);
  for (const job of p.submitter.jobs.values()) {
    assert.equal(job.status, 'completed');
    assert.match(job.batch_id, /^batch_/);
  }
});
