/**
 * Result lines the real API writes that its documentation does not describe: an error-file line
 * with `"status_code": 0`, `"request_id": ""`, an empty body and no `error`, while the batch's
 * counts call the request completed (tidyverse/ellmer issue 830: about half of a user's batches
 * had a few). It says nothing about the request: it was not answered, and is sent again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { downloadLines, testEmulator } from '../support/emulator.ts';
import { checkInvariant } from '../support/pipeline.ts';
import { openSubmitAndPoll } from '../support/submit-and-poll.ts';
import { tempDir } from '../support/temp-dir.ts';

test('an error line with status_code 0 and an empty body: not run, sent again (not final)', async (t) => {
  const env = await testEmulator(t, {
    faults: { requests: [{ kind: 'status_zero', custom_id: '_000[01]_func$' }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, 4);
  const p = await openSubmitAndPoll(t, env, data);
  await p.submitter.submitRound(await p.files());
  await env.advance(60_000);
  const [job] = [...p.submitter.jobs.values()];
  const batch = await env.client.batches.retrieve(job!.batch_id);
  assert.deepEqual(batch.request_counts, { total: 4, completed: 4, failed: 0 }, 'counted as done');
  const errors = await downloadLines(env.client, batch.error_file_id);
  assert.deepEqual(
    errors.map((l) => [l.response?.status_code, l.response?.request_id, l.response?.body, l.error]),
    [
      [0, '', {}, null],
      [0, '', {}, null],
    ],
  );
  for (let i = 0; i < 4; i++) {
    await p.poller.tick();
    await p.submitter.submitRound(await p.files());
    await env.advance(60_000);
  }
  await p.poller.tick();
  const report = await checkInvariant(data);
  assert.equal(report.final.size, 0, [...report.final.values()].join('; '));
  assert.equal(report.usable, 4, 'answered when sent again');
  assert.equal(report.retries, 2);
});
