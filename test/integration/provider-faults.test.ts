/**
 * Each OpenAI-shaped provider end to end: the daemon (`run --once`) through the provider's
 * adapter against the emulator speaking its API, with faults on: the first batch creation's
 * answer lost, 429s and 5xxs, a batch that expires half-way, requests that fail in the error
 * file. No input is paid for twice (batches counted on the emulator's side), every slice has
 * a result or a final reason, the dataset is compiled, and the job files name the provider.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock } from '../../src/clock.ts';
import { createCompileStep } from '../../src/daemon/compile-step.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { createLogger } from '../../src/log/logger.ts';
import { batchApiForProvider } from '../../src/providers/batch-api-for-provider.ts';
import { emulatorConfig } from '../../src/providers/emulator-config.ts';
import { checkInvariant } from '../support/pipeline.ts';
import { daemonTestConfig, quickEmulator, startTestDaemon } from '../support/daemon.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

const FAULTS = {
  seed: 7,
  http: [
    { route: 'POST /v1/batches', kind: 'lose_answer', nth: [1] },
    { route: 'POST /v1/files', kind: 'lose_answer', nth: [1] },
    { route: 'GET /v1/batches/*', kind: 'status', status: 429, retry_after_s: 0, rate: 0.2 },
    { route: 'GET /v1/files', kind: 'status', status: 503, rate: 0.2 },
    // The second listing: the reconciliation after the lost create (the first is the start's
    // access check, made before any step calls the API).
    { route: 'GET /v1/batches', kind: 'status', status: 500, nth: [2] },
  ],
  batches: [{ kind: 'expire', after_fraction: 0.5, nth: [1] }],
  requests: [{ kind: 'error_object', code: 'server_error', rate: 0.15 }],
};

const PROVIDERS = [
  { provider: 'openai', config: {}, models: [] },
  {
    provider: 'azure',
    config: {
      azure: { deployments: { 'gpt-4o-mini': 'mini-batch', 'gpt-4.1-mini': 'big-batch' } },
    },
    models: ['mini-batch', 'big-batch'],
  },
  {
    provider: 'openai_compatible',
    config: {
      openai_compatible: {
        profile: 'groq',
        models: { 'gpt-4o-mini': 'llama-3.1-8b-instant', 'gpt-4.1-mini': 'llama-3.3-70b' },
      },
    },
    models: ['llama-3.1-8b-instant', 'llama-3.3-70b'],
  },
] as const;

for (const { provider, config: providerConfig, models } of PROVIDERS) {
  test(`${provider}: with faults on, nothing paid twice, every slice ends, the dataset compiled`, async (t) => {
    const dir = await tempDir(t);
    const { emulator, batchesPerInput } = await quickEmulator(t, {
      provider,
      models: [...models],
      faults: FAULTS,
    });
    const config = daemonTestConfig({
      provider,
      ...providerConfig,
      // Scenario 2 on another model: two deployments (or server models) in one run.
      scenarios: { scenario2: { model: 'gpt-4.1-mini' } },
      submit: { retry_base_ms: 5, requests_per_minute: 60_000, reconcile_settle_ms: 300 },
      retry: { max_attempts: 3 },
    });
    const paths = dataPaths(dir, '.');
    const gen = createSliceGenerator({ repository: 'repo_p' });
    const slices = Array.from({ length: 24 }, () => gen.next());
    await mkdir(join(paths.reviewed, 'repo_p'), { recursive: true });
    await writeFile(join(paths.reviewed, 'repo_p', 'slices.jsonl'), jsonl(slices));
    const api = batchApiForProvider(emulatorConfig(config, emulator, 'sk-test'), provider);
    const d = await startTestDaemon(t, {
      dataDir: dir,
      emulator,
      config,
      once: true,
      api: () => api,
      compile: createCompileStep({
        paths,
        config,
        log: await createLogger({ level: 'silent' }),
        clock: systemClock,
      }),
    });
    const outcome = await d.daemon.finished;
    assert.equal(outcome.exitCode, 0, JSON.stringify(outcome.unfinished));

    const report = await checkInvariant(dir);
    assert.equal(report.sent, slices.length, 'every slice was sent');
    assert.equal(report.usable + report.final.size, slices.length, 'every slice has an end');
    assert.ok(report.usable > slices.length / 2, `${report.usable} usable results`);
    assert.ok(report.retries > 0, 'the faults made retries');
    assert.ok(emulator.stats().faults > 0, 'HTTP faults were served');
    assert.ok(batchesPerInput.size >= 3, 'both scenarios and a retry file were submitted');
    for (const [sha, n] of batchesPerInput) assert.equal(n, 1, `input ${sha} paid ${n} times`);

    const out = await readdir(paths.finalOutput);
    const train = out.find((n) => n.startsWith('train_dataset_'));
    assert.ok(train !== undefined, `a compiled dataset in ${out.join(', ')}`);
    const records = (await readFile(join(paths.finalOutput, train), 'utf8')).split('\n');
    assert.ok(records.filter(Boolean).length > 0);

    const remote = new Map<string, number>();
    for await (const f of api.listFiles('batch'))
      remote.set(f.filename, (remote.get(f.filename) ?? 0) + 1);
    // The upload whose answer was lost was found again (by its name and the size the server
    // reports of the rewritten lines), not leaked: every upload was cleaned up.
    assert.deepEqual([...remote], [], 'no upload of ours left on the server');

    const jobs: { provider?: string; model: string | null }[] = [];
    const walk = async (at: string): Promise<void> => {
      for (const e of await readdir(at, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(at, e.name));
        else if (/^batch_job_.*\.json$/.test(e.name))
          jobs.push(JSON.parse(await readFile(join(at, e.name), 'utf8')));
      }
    };
    await walk(paths.batchOutput);
    assert.ok(jobs.length >= 3);
    for (const job of jobs) {
      assert.equal(job.provider, provider);
      // Budgets and prices stay by our model names, whatever the lines went up as.
      assert.ok(['gpt-4o-mini', 'gpt-4.1-mini'].includes(job.model ?? ''), String(job.model));
    }
  });
}
