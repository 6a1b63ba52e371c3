/**
 * A submitter and a poller on a test emulator's clock, over a data folder: what the daemon
 * runs, one call at a time, for tests of how the client meets the API's ways. The submitter
 * alone (`openTestSubmitter`) can be closed and opened again on the same folders: a restart.
 */
import type { TestContext } from 'node:test';
import type { Config } from '../../src/config/schema.ts';
import { dataPaths, type DataPaths } from '../../src/domain/data-paths.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { createOpenAIBatchApi, type BatchApi } from '../../src/openai/batch-api.ts';
import { openPoller } from '../../src/poll/poller.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { openSubmitter, type Submitter } from '../../src/submit/submitter.ts';
import type { TestEmulator } from './emulator.ts';
import { quickConfig } from './quick-config.ts';

export interface TestSubmitterOptions {
  /** The configuration over the quick one (quick-config.ts). */
  readonly raw?: Record<string, unknown>;
  /** `submit.concurrency`, over the quick configuration's submit section. */
  readonly concurrency?: number;
  /** Silent when absent. */
  readonly log?: Logger | undefined;
}

export interface TestSubmitter {
  readonly submitter: Submitter;
  readonly api: BatchApi;
  readonly config: Config;
  readonly paths: DataPaths;
  readonly files: () => ReturnType<typeof listBatchInputFiles>;
  /** Closes the submitter (once; also when the test ends). */
  readonly close: () => Promise<void>;
  /** Closes it, and opens another on the same folders with the same options (a restart). */
  reopen(options?: Pick<TestSubmitterOptions, 'log'>): Promise<TestSubmitter>;
}

const silent = async (): Promise<Logger> =>
  createLogger({ level: 'silent', stream: { write() {} } });

/** A submitter over `dataDir` on the emulator's clock, with the OpenAI adapter; closed at the test's end. */
export async function openTestSubmitter(
  t: TestContext,
  env: TestEmulator,
  dataDir: string,
  options: TestSubmitterOptions = {},
): Promise<TestSubmitter> {
  const opened = await startSubmitter(t, env, dataDir, options);
  t.after(opened.close);
  return opened;
}

/** The same, closed by the caller. */
async function startSubmitter(
  t: TestContext,
  env: TestEmulator,
  dataDir: string,
  options: TestSubmitterOptions,
): Promise<TestSubmitter> {
  const quick = quickConfig(options.raw ?? {}, { retryBaseMs: 1 });
  const config: Config =
    options.concurrency === undefined
      ? quick
      : { ...quick, submit: { ...quick.submit, concurrency: options.concurrency } };
  const paths = dataPaths(dataDir, '.');
  const api = createOpenAIBatchApi({ apiKey: 'sk-test', baseURL: env.emulator.url, maxRetries: 0 });
  const submitter = await openSubmitter({
    api,
    stateDir: paths.state,
    batchOutputDir: paths.batchOutput,
    config,
    clock: env.clock,
    log: options.log ?? (await silent()),
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= submitter.close());
  return {
    submitter,
    api,
    config,
    paths,
    files: () => listBatchInputFiles(paths.batchInput, paths.dataDir),
    close,
    async reopen(o = {}) {
      await close();
      return openTestSubmitter(t, env, dataDir, { ...options, log: o.log ?? options.log });
    },
  };
}

export async function openSubmitAndPoll(
  t: TestContext,
  env: TestEmulator,
  dataDir: string,
  raw: Record<string, unknown> = {},
  log?: Logger,
) {
  const quiet = log ?? (await silent());
  const opened = await startSubmitter(t, env, dataDir, { raw, log: quiet });
  const { submitter, api, config, paths, files } = opened;
  const now = () => env.clock.now();
  const poller = await openPoller({ jobs: submitter.tracker, api, paths, config, log: quiet, now });
  t.after(async () => {
    await poller.close();
    await opened.close();
  });
  return { submitter, poller, files, config, paths };
}
