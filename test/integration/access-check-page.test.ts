/**
 * The start-up access check lists the batches and reads one: it asks for a page of one
 * (`limit=1`), not a page of 100 the server must build and send for nothing, on OpenAI's API and
 * on Anthropic's. The other listings (reconciliation's searches) still page by 100.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAnthropicBatchApi } from '../../src/anthropic/anthropic-batch-api.ts';
import { createStanding } from '../../src/daemon/daemon-steps.ts';
import { checkApiAccess } from '../../src/daemon/daemon-edges.ts';
import { createLogger } from '../../src/log/logger.ts';
import { createOpenAIBatchApi, type BatchApi } from '../../src/openai/batch-api.ts';
import { testAnthropic } from '../support/anthropic.ts';
import { quickEmulator, startTestDaemon, waitFor } from '../support/daemon.ts';
import { testEmulator } from '../support/emulator.ts';
import { hangingProxy, type HangingProxy } from '../support/hanging-proxy.ts';
import { tempDir } from '../support/temp-dir.ts';

/** The `limit` of each batch listing the proxy saw (`path`: the listing's path). */
const listLimits = (proxy: HangingProxy, path: string): (string | null)[] =>
  proxy.requests
    .map((r) => new URL(r.url, 'http://x'))
    .filter((u) => u.pathname.endsWith(path))
    .map((u) => u.searchParams.get('limit'));

async function check(api: BatchApi): Promise<ReturnType<typeof createStanding>> {
  const standing = createStanding();
  const log = await createLogger({ level: 'silent', stream: { write() {} } });
  await checkApiAccess(api, { emulator: false, standing, log });
  return standing;
}

test('OpenAI: the access check asks for one batch; other listings page by 100', async (t) => {
  const env = await testEmulator(t);
  const proxy = await hangingProxy(t, env.emulator.url);
  const api = createOpenAIBatchApi({ apiKey: 'sk-test', baseURL: proxy.url, maxRetries: 0 });
  const standing = await check(api);
  assert.deepEqual([...standing.problems.keys()], [], 'the key was accepted');
  assert.deepEqual(listLimits(proxy, '/batches'), ['1']);
  for await (const _ of api.listBatches()) break;
  assert.deepEqual(listLimits(proxy, '/batches'), ['1', '100']);
});

test('Anthropic: the access check asks for one message batch; other listings page by 100', async (t) => {
  const env = await testAnthropic(t);
  const proxy = await hangingProxy(t, env.emulator.url);
  const api = createAnthropicBatchApi({
    apiKey: 'sk-ant-test-key',
    baseURL: proxy.url,
    maxRetries: 0,
    store: await tempDir(t),
    clock: env.clock,
  });
  const standing = await check(api);
  assert.deepEqual([...standing.problems.keys()], [], 'the key was accepted');
  assert.deepEqual(listLimits(proxy, '/messages/batches'), ['1']);
  for await (const _ of api.listBatches()) break;
  assert.deepEqual(listLimits(proxy, '/messages/batches'), ['1', '100']);
});

test('the daemon access check, through its wrappers (stop signal, observed calls), asks for one', async (t) => {
  const { emulator } = await quickEmulator(t);
  const proxy = await hangingProxy(t, emulator.url);
  const data = await tempDir(t);
  const d = await startTestDaemon(t, {
    dataDir: data,
    emulator,
    api: () => createOpenAIBatchApi({ apiKey: 'sk-test', baseURL: proxy.url, maxRetries: 0 }),
  });
  const first = await waitFor('the first batch listing', () => listLimits(proxy, '/batches')[0]);
  assert.equal(first, '1');
  await waitFor('the key accepted', () =>
    d.log.logRecords().some((r) => /emulator answers/.test(r.msg)),
  );
  await d.stop();
});
