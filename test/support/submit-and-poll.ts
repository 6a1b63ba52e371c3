/**
 * A submitter and a poller on a test emulator's clock, over a data folder: what the daemon
 * runs, one call at a time, for tests of how the client meets the API's ways.
 */
import type { TestContext } from 'node:test';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { createOpenAIBatchApi } from '../../src/openai/batch-api.ts';
import { openPoller } from '../../src/poll/poller.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { openSubmitter } from '../../src/submit/submitter.ts';
import type { TestEmulator } from './emulator.ts';
import { quickConfig } from './quick-config.ts';

export async function openSubmitAndPoll(
  t: TestContext,
  env: TestEmulator,
  dataDir: string,
  raw: Record<string, unknown> = {},
  log?: Logger,
) {
  const quiet = log ?? (await createLogger({ level: 'silent', stream: { write() {} } }));
  const config = quickConfig(raw, { retryBaseMs: 1 });
  const paths = dataPaths(dataDir, '.');
  const api = createOpenAIBatchApi({ apiKey: 'sk-test', baseURL: env.emulator.url, maxRetries: 0 });
  const now = () => env.clock.now();
  const submitter = await openSubmitter({
    api,
    stateDir: paths.state,
    batchOutputDir: paths.batchOutput,
    config,
    clock: env.clock,
    log: quiet,
  });
  const poller = await openPoller({ jobs: submitter.tracker, api, paths, config, log: quiet, now });
  t.after(async () => {
    await poller.close();
    await submitter.close();
  });
  const files = () => listBatchInputFiles(paths.batchInput, paths.dataDir);
  return { submitter, poller, files, config, paths };
}
