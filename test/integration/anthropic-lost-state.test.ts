/**
 * The Anthropic adapter without its own files (the state folder's `anthropic/` lost, or a job
 * file from another data folder): it has no record of a batch the API still has, so it cannot
 * map the batch's results back to our requests. It answers as the API does for a batch it does
 * not know (404): the poller marks the job unknown and its requests wait. Nothing is sent again
 * (the batch ran and was paid for), nothing is decided from results it cannot serve. Through
 * the Message Batches emulator over real HTTP.
 */
import assert from 'node:assert/strict';
import { cp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { LEDGER_FILE, type LedgerRecord } from '../../src/domain/ledger.ts';
import { ApiError } from '../../src/errors.ts';
import type { BatchApi } from '../../src/openai/batch-api.ts';
import { readJournal } from '../../src/storage/journal.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { testAnthropic } from '../support/anthropic.ts';
import { convert, sliceSource, writeInbox } from '../support/dataset.ts';
import { testPipeline } from '../support/pipeline.ts';
import { tempDir } from '../support/temp-dir.ts';

/** A port whose adapter can be swapped for a new one (a restart) during the test. */
function swappable(first: BatchApi): { api: BatchApi; swap(next: BatchApi): void } {
  let current = first;
  const api: BatchApi = {
    uploadFile: (...a) => current.uploadFile(...a),
    listFiles: (...a) => current.listFiles(...a),
    deleteFile: (...a) => current.deleteFile(...a),
    downloadFile: (...a) => current.downloadFile(...a),
    createBatch: (...a) => current.createBatch(...a),
    retrieveBatch: (...a) => current.retrieveBatch(...a),
    listBatches: (...a) => current.listBatches(...a),
    cancelBatch: (...a) => current.cancelBatch(...a),
  };
  return { api, swap: (next) => (current = next) };
}

test('a batch the adapter has no record of (its files lost): 404 to the poller, the job marked unknown, nothing sent again', async (t) => {
  const dir = await tempDir(t);
  const env = await testAnthropic(t);
  const raw = { provider: 'anthropic', model: 'claude-haiku-4-5' };
  await writeInbox(dir, 'repo_a/slices.jsonl', sliceSource('repo_a', 3)(6));
  await convert(dir, parseConfig(raw, 'test'));
  let port: ReturnType<typeof swappable> | undefined;
  let stateDir = '';
  const pipeline = await testPipeline(t, env, dir, raw, (paths) => {
    stateDir = paths.state;
    port = swappable(env.api(paths.state));
    return port.api;
  });
  await pipeline.submitter.submitRound(await listBatchInputFiles(join(dir, '3.batch_input'), dir));
  const created = env.emulator.stats().batchesCreated;
  const [job] = [...pipeline.submitter.jobs.values()];
  assert.ok(job !== undefined && created === pipeline.submitter.jobs.size, 'submitted');

  // The adapter's files are lost; the daemon starts again with an adapter on an empty folder.
  await cp(join(stateDir, 'anthropic'), join(dir, 'backup'), { recursive: true });
  await rm(join(stateDir, 'anthropic'), { recursive: true, force: true });
  const fresh = env.api(stateDir);
  port!.swap(fresh);
  await env.advance(60_000);

  await assert.rejects(fresh.retrieveBatch(job.batch_id), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 404);
    assert.match(err.message, new RegExp(`${job.batch_id}.*no record`));
    return true;
  });
  const seen: string[] = [];
  for await (const b of fresh.listBatches()) seen.push(b.id);
  assert.deepEqual(seen, [], 'not listed as a batch of ours either');

  for (let i = 0; i < 3; i++) await pipeline.cycle();
  for (const after of pipeline.submitter.jobs.values()) {
    assert.equal(after.done, false, 'the job waits');
    assert.match(after.unknown_to_api?.message ?? '', /^404: .*no record/);
    assert.equal(after.output_file_id, null, 'no output file it cannot serve');
  }
  assert.equal(env.emulator.stats().batchesCreated, created, 'nothing sent again');
  const ledger = await readJournal<LedgerRecord>(join(stateDir, LEDGER_FILE));
  assert.deepEqual(ledger, [], 'no fate decided for its requests');
  const inputs = await readdir(join(dir, '3.batch_input', 'repo_a'));
  assert.equal(inputs.filter((n) => n.includes('retry')).length, 0, 'no retry file');

  // The folder restored (from a backup): the next poll collects the results, paid once.
  await rm(join(stateDir, 'anthropic'), { recursive: true, force: true });
  await cp(join(dir, 'backup'), join(stateDir, 'anthropic'), { recursive: true });
  port!.swap(env.api(stateDir));
  await pipeline.settle();
  for (const done of pipeline.submitter.jobs.values()) {
    assert.equal(done.unknown_to_api ?? null, null, 'known again');
    assert.ok(done.outcome !== null && done.outcome.usable > 0, 'its answers used');
  }
  assert.equal(env.emulator.stats().requestsBilledTwice, 0);
});
