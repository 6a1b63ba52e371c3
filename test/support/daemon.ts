/**
 * The daemon in a test: a real temp data folder, an emulator on the system clock with a quick
 * schedule, a poll tick every second, short watcher delays; and waiting for conditions (never
 * for fixed times) with a message that says what was awaited.
 */
import type { Clock } from '../../src/clock.ts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import OpenAI from 'openai';
import { dataPaths, type DataPaths } from '../../src/domain/data-paths.ts';
import type { Config } from '../../src/config/schema.ts';
import { inlineHelpers, type ConvertHelpers } from '../../src/convert/helper-thread-client.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import type { createInboxWatcher } from '../../src/intake/inbox-watcher.ts';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/emulator.ts';
import { FaultProfileSchema } from '../../src/emulator/faults.ts';
import { customIdOfLine } from '../../src/convert/converted-slices.ts';
import { isBatchInputName } from '../../src/domain/file-names.ts';
import { createLogger } from '../../src/log/logger.ts';
import { createOpenAIBatchApi, type BatchApi } from '../../src/openai/batch-api.ts';
import { errorMessage } from '../../src/errors.ts';
import { Capture } from './capture.ts';
import { quickConfig } from './quick-config.ts';
import { deferCleanup } from './temp-dir.ts';

export const QUICK_SCHEDULE = {
  validatingMs: 100,
  msPerRequest: 2,
  finalizingMs: 100,
  cancellingMs: 100,
} as const;

/** An emulator on the system clock whose batches end within a second or two. */
export async function quickEmulator(
  t: TestContext,
  options: Omit<EmulatorOptions, 'faults'> & { faults?: unknown } = {},
): Promise<QuickEmulator> {
  const batchesPerInput = new Map<string, number>();
  const emulator = await startEmulator({
    ...options,
    schedule: { ...QUICK_SCHEDULE, ...options.schedule },
    faults: FaultProfileSchema.parse(options.faults ?? {}),
    tickMs: 50,
    onBatchCreated: ({ inputPath }) => {
      const sha = createHash('sha256').update(readFileSync(inputPath)).digest('hex');
      batchesPerInput.set(sha, (batchesPerInput.get(sha) ?? 0) + 1);
    },
  });
  deferCleanup(t, () => emulator.close());
  const client = new OpenAI({ baseURL: emulator.url, apiKey: 'sk-test-daemon', maxRetries: 0 });
  return { emulator, client, batchesPerInput };
}

export interface QuickEmulator {
  readonly emulator: Emulator;
  readonly client: OpenAI;
  /** Batches created per input file content (SHA-256), counted by the emulator. */
  readonly batchesPerInput: ReadonlyMap<string, number>;
}

/** The configuration of a daemon under test: quick watcher, heartbeat and retries. */
export function daemonTestConfig(raw: Record<string, unknown> = {}): Config {
  const daemon = raw['daemon'] as { watch?: Record<string, unknown> } | undefined;
  return quickConfig(raw, {
    retryBaseMs: 5,
    after: {
      daemon: {
        heartbeat_ms: 200,
        compile_debounce_ms: 100,
        stop_timeout_ms: 10_000,
        ...daemon,
        watch: { stable_ms: 600, rescan_ms: 1000, ...daemon?.watch },
      },
    },
  });
}

export interface TestDaemon {
  readonly daemon: Daemon;
  readonly paths: DataPaths;
  readonly log: Capture;
  stop(): Promise<void>;
}

export async function startTestDaemon(
  t: TestContext,
  options: {
    dataDir: string;
    emulator: Emulator;
    config?: Config;
    once?: boolean;
    compile?: (signal: AbortSignal) => Promise<unknown>;
    /** Wraps the client (to inject a hang, say). */
    api?: (api: BatchApi) => BatchApi;
    /** The daemon's clock (the system clock unless given). */
    clock?: Clock;
    /** The inbox watcher (to hold on to the real one, say). */
    watcher?: typeof createInboxWatcher;
    /** Makes the conversion's helpers (inline ones unless given). */
    helpers?: () => ConvertHelpers;
  },
): Promise<TestDaemon> {
  const config = options.config ?? daemonTestConfig();
  const paths = dataPaths(options.dataDir, '.');
  const capture = new Capture();
  const log = await createLogger({ level: 'info', stream: capture });
  const client = createOpenAIBatchApi({
    apiKey: 'sk-test-daemon',
    baseURL: options.emulator.url,
    maxRetries: 2,
  });
  const api = options.api?.(client) ?? client;
  const daemon = await startDaemon({
    config,
    paths,
    api,
    log,
    once: options.once ?? false,
    pollSchedule: '* * * * * *',
    emulator: true,
    version: 'test',
    helpers: options.helpers ?? (() => inlineHelpers()),
    compile: options.compile,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.watcher === undefined ? {} : { watcher: options.watcher }),
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await daemon.stop();
  };
  deferCleanup(t, stop);
  return { daemon, paths, log: capture, stop };
}

/** Waits until `check` holds (polled every 50 ms); fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${errorMessage(last)}`}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every custom_id in the batch input files (retry files included), with how often. */
export async function sentCustomIds(batchInputDir: string): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(dir, e.name));
      else if (isBatchInputName(e.name)) {
        for (const line of (await readFile(join(dir, e.name), 'utf8')).split('\n')) {
          const id = line === '' ? undefined : customIdOfLine(line);
          if (id !== undefined) ids.set(id, (ids.get(id) ?? 0) + 1);
        }
      }
    }
  };
  await walk(batchInputDir);
  return ids;
}
