/**
 * Scenarios on different providers in one run: scenario 1 on OpenAI, scenario 2 on Azure
 * OpenAI, each through its own emulator, with a lost create answer on each. Every batch lands
 * on its scenario's provider once, every slice gets its result, the job files name their
 * provider, and after a restart a batch is found on its provider without being told which.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { batchApiForConfig } from '../../src/providers/batch-api-for-provider.ts';
import { checkInvariant } from '../support/pipeline.ts';
import { daemonTestConfig, quickEmulator, startTestDaemon } from '../support/daemon.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

const LOST_CREATE = { http: [{ route: 'POST /v1/batches', kind: 'lose_answer', nth: [1] }] };

test('scenario 1 on openai, scenario 2 on azure: each batch on its provider, once', async (t) => {
  const dir = await tempDir(t);
  const openai = await quickEmulator(t, { faults: LOST_CREATE });
  const azure = await quickEmulator(t, {
    provider: 'azure',
    models: ['classes-batch'],
    // Another seed: the two emulators' ids never coincide (as two providers' do not).
    seed: 2,
    faults: { ...LOST_CREATE, seed: 2 },
  });
  const config = daemonTestConfig({
    api_key: 'sk-test',
    base_url: openai.emulator.url,
    scenarios: { scenario2: { provider: 'azure' } },
    azure: {
      endpoint: azure.emulator.origin,
      api_key: 'sk-test',
      deployments: { 'gpt-4o-mini': 'classes-batch' },
    },
    submit: { retry_base_ms: 5, requests_per_minute: 60_000, reconcile_settle_ms: 300 },
  });
  const paths = dataPaths(dir, '.');
  const gen = createSliceGenerator({ repository: 'repo_r', classRatio: 0.5 });
  const slices = Array.from({ length: 16 }, () => gen.next());
  await mkdir(join(paths.reviewed, 'repo_r'), { recursive: true });
  await writeFile(join(paths.reviewed, 'repo_r', 'slices.jsonl'), jsonl(slices));
  const d = await startTestDaemon(t, {
    dataDir: dir,
    emulator: openai.emulator,
    config,
    once: true,
    api: () => batchApiForConfig(config),
  });
  const outcome = await d.daemon.finished;
  assert.equal(outcome.exitCode, 0, JSON.stringify(outcome.unfinished));

  const report = await checkInvariant(dir);
  assert.equal(report.usable, slices.length, 'every slice has its result');
  assert.ok(openai.batchesPerInput.size > 0 && azure.batchesPerInput.size > 0);
  for (const { batchesPerInput } of [openai, azure])
    for (const [sha, n] of batchesPerInput) assert.equal(n, 1, `input ${sha} paid ${n} times`);

  const jobs: { provider?: string; scenario: string; batch_id: string }[] = [];
  const walk = async (at: string): Promise<void> => {
    for (const e of await readdir(at, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(at, e.name));
      else if (/^batch_job_.*\.json$/.test(e.name))
        jobs.push(JSON.parse(await readFile(join(at, e.name), 'utf8')));
    }
  };
  await walk(paths.batchOutput);
  for (const job of jobs) {
    assert.equal(job.provider, job.scenario === 'scenario2' ? 'azure' : 'openai');
  }
  // A fresh port (a restart) knows no id: it finds the Azure batch on Azure.
  const azureJob = jobs.find((j) => j.provider === 'azure')!;
  const fresh = batchApiForConfig(config);
  assert.equal((await fresh.retrieveBatch(azureJob.batch_id)).id, azureJob.batch_id);
});
