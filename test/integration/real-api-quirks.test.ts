/**
 * More of the real Batch API's ways, end to end (the first ones are in real-api.test.ts): an
 * absent file id sent as `""`. Each case runs the submitter and the poller against the emulator
 * (its default behaviour, or a fault kind), on the emulator's clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { testEmulator } from '../support/emulator.ts';
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
