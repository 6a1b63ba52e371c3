/**
 * Issue 21's "one slow poll delaying intake": a poll tick hung on the API (a listing or a
 * retrieve that does not answer, a big download) must not hold up the conversion of files
 * dropped meanwhile; submission still waits for the poll (both touch the job records).
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isBatchInputName } from '../../src/domain/file-names.ts';
import { readJobs } from '../../src/jobs/job-store.ts';
import type { BatchApi } from '../../src/openai/batch-api.ts';
import {
  daemonTestConfig,
  quickEmulator,
  sentCustomIds,
  startTestDaemon,
  waitFor,
} from '../support/daemon.ts';
import { checkInvariant } from '../support/pipeline.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

async function writeInbox(data: string, rel: string, lines: readonly unknown[]): Promise<void> {
  const path = join(data, '2.reviewed_slices', rel);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, jsonl(lines));
}

async function batchInputs(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [])).filter(isBatchInputName);
}

test('a poll hung on the API: a file dropped meanwhile is still converted; it is submitted once the poll ends', async (t) => {
  const { emulator } = await quickEmulator(t);
  const dir = await tempDir(t);
  // Once armed, every retrieve hangs until released: the poll step sticks on the first batch.
  let armed = false;
  const hung = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const gated = (api: BatchApi): BatchApi => ({
    ...api,
    retrieveBatch: async (id, options) => {
      if (armed) {
        hung.resolve();
        // Until released, or cut by the daemon's stop (a failed test must still end).
        const stopped = new Promise<void>((resolve) =>
          options?.signal?.addEventListener('abort', () => resolve(), { once: true }),
        );
        await Promise.race([release.promise, stopped]);
      }
      return api.retrieveBatch(id, options);
    },
  });
  const d = await startTestDaemon(t, {
    dataDir: dir,
    emulator,
    config: daemonTestConfig(),
    api: gated,
  });
  const first = createSliceGenerator({ repository: 'repo_a', seed: 21 });
  armed = true;
  await writeInbox(
    dir,
    'repo_a/a.jsonl',
    Array.from({ length: 3 }, () => first.next()),
  );
  await hung.promise;
  assert.equal(d.daemon.heartbeat().running?.step, 'poll', 'the poll step hangs');
  const jobsBefore = (await readJobs(d.paths.batchOutput)).size;

  // A new file while the poll hangs: converted all the same.
  const second = createSliceGenerator({ repository: 'repo_b', seed: 22 });
  await writeInbox(
    dir,
    'repo_b/b.jsonl',
    Array.from({ length: 2 }, () => second.next()),
  );
  await waitFor('repo_b converted while the poll hangs', async () =>
    (await batchInputs(join(d.paths.batchInput, 'repo_b'))).length > 0 ? true : undefined,
  );
  assert.equal(d.daemon.heartbeat().running?.step, 'poll', 'the poll step still hangs');
  assert.equal(
    (await readJobs(d.paths.batchOutput)).size,
    jobsBefore,
    'nothing submitted while the poll runs',
  );

  release.resolve();
  await waitFor('every batch handled', async () => {
    const jobs = [...(await readJobs(d.paths.batchOutput)).values()];
    const r = await checkInvariant(dir).catch(() => undefined);
    return jobs.length > jobsBefore && jobs.every((j) => j.done) && r?.usable === 5 ? r : undefined;
  });
  for (const [id, n] of await sentCustomIds(d.paths.batchInput))
    assert.equal(n, 1, `${id} sent ${n} times`);
});
