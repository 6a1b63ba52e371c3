/**
 * The provider conformance suite (test/support/provider-conformance.ts) against each
 * OpenAI-shaped adapter and the emulator speaking its provider's API: OpenAI, Azure OpenAI
 * (api-key header, api-version, deployments as model names, 14-30 day expiries) and an
 * OpenAI-compatible server (the groq profile: its paths, windows and model names). Plus what
 * only one of them does: Azure's model → deployment rewrite, and the emulator refusing what the
 * real service refuses.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import OpenAI, { AzureOpenAI } from 'openai';
import { ManualClock } from '../../src/emulator/clock.ts';
import { startEmulator, type EmulatorOptions } from '../../src/emulator/emulator.ts';
import { FaultProfileSchema } from '../../src/emulator/faults.ts';
import { parseConfig } from '../../src/config/load.ts';
import { batchApiForProvider } from '../../src/providers/batch-api-for-provider.ts';
import { emulatorConfig } from '../../src/providers/emulator-config.ts';
import type { ProviderName } from '../../src/providers/port.ts';
import { requestLine, TEST_SCHEDULE } from '../support/emulator.ts';
import { ANTHROPIC_CAPABILITIES } from '../../src/providers/capabilities.ts';
import { testAnthropic } from '../support/anthropic.ts';
import {
  describeProviderConformance,
  type ConformanceHarness,
} from '../support/provider-conformance.ts';
import { deferCleanup, tempDir } from '../support/temp-dir.ts';

const KEY = 'sk-conformance';

async function harness(
  t: TestContext,
  provider: Exclude<ProviderName, 'anthropic'>,
  config: Record<string, unknown>,
  emulatorOptions: Partial<EmulatorOptions>,
  faults: unknown,
): Promise<ConformanceHarness> {
  const clock = new ManualClock();
  const emulator = await startEmulator({
    provider,
    clock,
    schedule: TEST_SCHEDULE,
    faults: FaultProfileSchema.parse(faults ?? {}),
    tickMs: 0,
    apiKeys: [KEY],
    onError: (err) => {
      throw err;
    },
    ...emulatorOptions,
  });
  deferCleanup(t, () => emulator.close());
  const base = parseConfig({ provider, ...config }, 'test');
  const api = batchApiForProvider(emulatorConfig(base, emulator, KEY), provider);
  return {
    api,
    async advance(ms) {
      await emulator.settle();
      clock.advance(ms);
      await emulator.settle();
    },
    batchesCreated: () => emulator.stats().batchesCreated,
  };
}

describeProviderConformance('openai', (t, o) => harness(t, 'openai', {}, {}, o.faults));

describeProviderConformance('azure', (t, o) =>
  harness(
    t,
    'azure',
    { azure: { deployments: { [o.model]: 'mini-global-batch' } } },
    { models: ['mini-global-batch'] },
    o.faults,
  ),
);

describeProviderConformance('openai_compatible', (t, o) =>
  harness(
    t,
    'openai_compatible',
    { openai_compatible: { profile: 'groq', models: { [o.model]: 'llama-3.1-8b-instant' } } },
    { models: ['llama-3.1-8b-instant'] },
    o.faults,
  ),
);

/**
 * The suite's fault routes are the OpenAI API's (`POST /v1/batches`, `GET /v1/batches/<id>`):
 * on the Message Batches API they are `/v1/messages/batches...`. The adapter is built as
 * `batchApiForProvider` builds it, on the emulator's clock (its lost-create windows are read on
 * that clock), with the SDK's retries on as in real use.
 */
function anthropicFaults(faults: unknown): unknown {
  const profile = (faults ?? {}) as { http?: { route: string }[] };
  return {
    ...profile,
    http: profile.http?.map((f) => ({
      ...f,
      route: f.route.replace(' /v1/batches', ' /v1/messages/batches'),
    })),
  };
}

describeProviderConformance('anthropic', async (t, o) => {
  const env = await testAnthropic(t, { faults: anthropicFaults(o.faults) });
  const dir = await tempDir(t);
  const api = env.api(dir, { maxRetries: 2 });
  return {
    api: { ...api, provider: 'anthropic', capabilities: ANTHROPIC_CAPABILITIES },
    advance: (ms) => env.advance(ms),
    batchesCreated: () => env.emulator.stats().batchesCreated,
  };
});

test('azure emulator: the key in api-key, an api-version, and deployments as model names, or it refuses', async (t) => {
  const emulator = await startEmulator({
    provider: 'azure',
    models: ['mini-global-batch'],
    apiKeys: [KEY],
    onError: (err) => {
      throw err;
    },
  });
  deferCleanup(t, () => emulator.close());
  const dir = await tempDir(t);
  const path = join(dir, 'in.jsonl');
  // Our model name, not the deployment's: a batch of it fails validation, naming the line.
  await writeFile(path, `${requestLine('r1', { url: '/chat/completions' })}\n`);
  const azure = new AzureOpenAI({
    apiKey: KEY,
    apiVersion: '2024-10-21',
    baseURL: `${emulator.origin}/openai`,
    maxRetries: 0,
  });
  const { createReadStream } = await import('node:fs');
  const file = await azure.files.create({ file: createReadStream(path), purpose: 'batch' });
  const batch = await azure.batches.create({
    input_file_id: file.id,
    endpoint: '/chat/completions' as '/v1/chat/completions',
    completion_window: '24h',
  });
  let b = batch;
  for (let i = 0; i < 100 && b.status !== 'failed' && b.status !== 'completed'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    b = await azure.batches.retrieve(batch.id);
  }
  assert.equal(b.status, 'failed');
  assert.equal(b.errors?.data?.[0]?.code, 'model_not_found');
  assert.equal(b.errors?.data?.[0]?.line, 1);

  // OpenAI's Bearer auth and /v1 paths are not Azure's.
  const openai = new OpenAI({ apiKey: KEY, baseURL: `${emulator.origin}/v1`, maxRetries: 0 });
  await assert.rejects(openai.batches.list(), { status: 401 });
  // No api-version: not found, as on Azure.
  const res = await fetch(`${emulator.origin}/openai/batches`, { headers: { 'api-key': KEY } });
  assert.equal(res.status, 404);
  // OpenAI's one-hour expiry is below Azure's 14 days.
  await assert.rejects(
    azure.files.create({
      file: createReadStream(path),
      purpose: 'batch',
      expires_after: { anchor: 'created_at', seconds: 3600 },
    }),
    { status: 400 },
  );
});

test('azure adapter: lines go up with the deployment as model and /chat/completions, the local file unchanged', async (t) => {
  const emulator = await startEmulator({ provider: 'azure', models: ['dep-a'] });
  deferCleanup(t, () => emulator.close());
  const dir = await tempDir(t);
  const path = join(dir, 'in.jsonl');
  const text = `${requestLine('r1')}\n${requestLine('r2')}\n`;
  await writeFile(path, text);
  const config = parseConfig(
    { provider: 'azure', azure: { deployments: { 'gpt-4o-mini': 'dep-a' } } },
    'test',
  );
  const api = batchApiForProvider(emulatorConfig(config, emulator, KEY), 'azure');
  // 7 days is below Azure's minimum: the adapter asks for 14 instead of failing the upload.
  const file = await api.uploadFile(path, 'in.jsonl', 7 * 86_400);
  assert.equal(file.expires_at, file.created_at + 14 * 86_400);
  const got = join(dir, 'got.jsonl');
  await api.downloadFile(file.id, got);
  const { readFile } = await import('node:fs/promises');
  const sent = (await readFile(got, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    sent.map((l) => [l.url, l.body.model]),
    [
      ['/chat/completions', 'dep-a'],
      ['/chat/completions', 'dep-a'],
    ],
  );
  assert.equal(await readFile(path, 'utf8'), text);
  assert.equal(await api.uploadedBytes?.(path), file.bytes);
});

test('config: a provider without its key or address is a ConfigError naming the key to set', () => {
  const azure = parseConfig({ provider: 'azure' }, 'test');
  assert.throws(() => batchApiForProvider(azure, 'azure'), { key: 'azure.endpoint' });
  const azureNoKey = parseConfig(
    { provider: 'azure', azure: { endpoint: 'https://r.openai.azure.com' } },
    'test',
  );
  assert.throws(() => batchApiForProvider(azureNoKey, 'azure'), { key: 'azure.api_key' });
  const compatible = parseConfig({ provider: 'openai_compatible' }, 'test');
  assert.throws(() => batchApiForProvider(compatible, 'openai_compatible'), {
    key: 'openai_compatible.base_url',
  });
  assert.throws(() => parseConfig({ limits: { max_requests_per_file: 80_000 } }, 'c.json'), {
    message: /max_requests_per_file.*provider openai takes.*50000/,
  });
  assert.doesNotThrow(() =>
    parseConfig({ provider: 'azure', limits: { max_requests_per_file: 80_000 } }, 'c.json'),
  );
});
