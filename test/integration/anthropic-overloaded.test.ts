/**
 * Anthropic's 529 `overloaded_error` (https://docs.anthropic.com/en/api/errors): the API is
 * overloaded, on a create or on a request of a batch (an `errored` result of that type).
 * Neither is the request's fault: a create answered 529 is tried again (one batch in the end,
 * none paid twice), a request errored so is sent again, and the slices end usable.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { join } from 'node:path';
import { LEDGER_FILE, readLedger } from '../../src/domain/ledger.ts';
import { testAnthropic } from '../support/anthropic.ts';
import { convert, sliceSource, writeInbox } from '../support/dataset.ts';
import { checkInvariant, testPipeline } from '../support/pipeline.ts';
import { tempDir } from '../support/temp-dir.ts';

const RAW = { provider: 'anthropic', model: 'claude-haiku-4-5' };

test('anthropic: a create answered 529 overloaded_error is tried again; one batch, every slice usable', async (t) => {
  const dir = await tempDir(t);
  const env = await testAnthropic(t, {
    faults: {
      http: [{ route: 'POST /v1/messages/batches', kind: 'status', status: 529, nth: [1, 2] }],
    },
  });
  await writeInbox(dir, 'repo_a/slices.jsonl', sliceSource('repo_a', 5)(4));
  await convert(dir, parseConfig(RAW, 'test'));
  const pipeline = await testPipeline(t, env, dir, RAW, (paths) => env.api(paths.state));
  await pipeline.settle();
  const report = await checkInvariant(dir);
  assert.equal(report.sent, 4);
  assert.equal(report.usable, 4, [...report.final.values()].join('; '));
  const stats = env.emulator.stats();
  assert.equal(stats.faults, 2, 'both 529s were answered');
  assert.equal(stats.batchesCreated, 1, 'one batch, created once');
  assert.equal(stats.duplicateBatches, 0);
});

test('anthropic: a request errored with overloaded_error is sent again, not final', async (t) => {
  const dir = await tempDir(t);
  const env = await testAnthropic(t, {
    // A draw per custom_id (a request sent again has another): some of the first ones.
    faults: { seed: 3, requests: [{ kind: 'error_object', code: 'overloaded_error', rate: 0.3 }] },
  });
  await writeInbox(dir, 'repo_a/slices.jsonl', sliceSource('repo_a', 5)(8));
  await convert(dir, parseConfig(RAW, 'test'));
  const pipeline = await testPipeline(t, env, dir, RAW, (paths) => env.api(paths.state));
  await pipeline.settle();
  const report = await checkInvariant(dir);
  assert.equal(report.usable, 8, [...report.final.values()].join('; '));
  assert.ok(report.retries > 0, 'overloaded requests were sent again');
  const reasons: (string | undefined)[] = [];
  for await (const r of readLedger(join(dir, '.slicebatch', LEDGER_FILE)))
    if (r.fate === 'retry') reasons.push(r.reason);
  assert.deepEqual(reasons, Array(report.retries).fill('HTTP 529: Overloaded'));
});
