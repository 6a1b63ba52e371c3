/**
 * A local emulator of the OpenAI Files and Batch API, for tests, demos and runs on local models.
 * Everything the client sees goes over real HTTP and follows the official schemas; time is a
 * parameter (a manual clock in tests); faults are injected on demand, seeded.
 */
import { settleBatches } from './settle.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { encodingForModel } from '../domain/token-counter.ts';
import { REALISTIC_SCHEDULE, type Schedule } from './batch-lifecycle.ts';
import { openBatchService, type BatchServiceOptions } from './batch-service.ts';
import { offsetClock, systemClock, unixSeconds, type EmulatorClock } from './clock.ts';
import { openFileStore } from './file-store.ts';
import { createFaults, NO_FAULTS, type FaultProfile } from './faults.ts';
import { createHttpApi } from './http-api.ts';
import { createIdGenerator, derivedId } from './ids.ts';
import { promptTokensOfBody, respond } from './responder.ts';
import { createTokenizers } from './tokenizers.ts';
import { createUpstreamCall, type UpstreamOptions } from './upstream.ts';
import { emulatorDialect, type EmulatorProvider } from './dialects.ts';
import { BATCH_CREATES_PER_HOUR, createBatchCreateLimit } from './create-limit.ts';

/** Quick enough for a demo, slow enough to watch: seconds, not hours. */
export const DEMO_SCHEDULE: Schedule = {
  validatingMs: 1000,
  msPerRequest: 20,
  finalizingMs: 1000,
  cancellingMs: 1000,
  completionWindowMs: REALISTIC_SCHEDULE.completionWindowMs,
};

export interface EmulatorOptions {
  readonly host?: string;
  /** 0 (default): a free port. */
  readonly port?: number;
  /** Keep files and batches here across restarts; a temporary folder otherwise. */
  readonly stateDir?: string | undefined;
  readonly clock?: EmulatorClock;
  readonly schedule?: Partial<Schedule>;
  readonly faults?: FaultProfile;
  readonly seed?: number;
  /** Enqueued prompt tokens allowed per model. */
  readonly tokenLimits?: Readonly<Record<string, number>>;
  readonly maxRequestsPerBatch?: number | undefined;
  readonly maxBatchFileBytes?: number;
  readonly upstream?: UpstreamOptions | undefined;
  /** The API keys accepted (401 for others); any non-empty key when absent. */
  readonly apiKeys?: readonly string[] | undefined;
  /** How often batches move on their own with the system clock; 0: only on requests and tick(). */
  readonly tickMs?: number;
  readonly onError?: (err: unknown, context: string) => void;
  /** Whose API it speaks (dialects.ts): OpenAI's by default. */
  readonly provider?: EmulatorProvider | undefined;
  /**
   * azure: the names of the resource's global batch deployments; openai_compatible: the
   * server's model names. A request line naming another fails its batch. Any name when absent.
   */
  readonly models?: readonly string[] | undefined;
  /** Batch creations allowed per hour (429 beyond): 2,000, the documented default. */
  readonly batchCreatesPerHour?: number | undefined;
  /** Observes each batch created (tests: how often each input was submitted). */
  readonly onBatchCreated?: BatchServiceOptions['onBatchCreated'];
}

export interface EmulatorStats {
  readonly requests: number;
  readonly faults: number;
  readonly batchesCreated: number;
  readonly uploadPeakBuffered: number;
}

export interface Emulator {
  /** Base URL for the SDK: ending in /v1 (OpenAI), /openai/v1 (compatible). */
  readonly url: string;
  /** Azure: the endpoint (`https://<resource>.openai.azure.com` stand-in; the client adds /openai). */
  readonly origin: string;
  readonly port: number;
  /** Moves batches along as far as the clock allows. */
  tick(): void;
  /** Ticks and waits until no background work is left (manual clock: after `advance`). */
  settle(): Promise<void>;
  stats(): EmulatorStats;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const ourClock = options.clock ?? systemClock;
  const profile = options.faults ?? NO_FAULTS;
  // The server's own clock: every timestamp it reports, and every lifecycle step, runs on it.
  const clock = offsetClock(ourClock, profile.clock_offset_s * 1000);
  const schedule: Schedule = { ...DEMO_SCHEDULE, ...options.schedule };
  const seed = options.seed ?? options.faults?.seed ?? 1;
  const faults = createFaults(profile);
  const persist = options.stateDir !== undefined;
  const root = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'slicebatch-emulator-')));
  const ids = createIdGenerator(seed);
  const onError =
    options.onError ??
    ((err: unknown, context: string) => console.error(`emulator (${context}):`, err));
  const tokenizers = createTokenizers();
  const dialect = emulatorDialect(options.provider ?? 'openai', options.models ?? []);
  const files = await openFileStore({
    root,
    newId: () => ids.file(),
    maxBatchFileBytes: options.maxBatchFileBytes ?? 200 * 1024 * 1024,
    persist,
    now: () => clock.now(),
    fileExpiry: dialect.fileExpiry,
  });
  const batches = await openBatchService({
    root,
    persist,
    clock,
    schedule,
    files,
    faults,
    seed,
    newId: () => ids.batch(),
    tokenizers,
    maxRequestsPerBatch: options.maxRequestsPerBatch ?? dialect.maxRequestsPerBatch,
    lineUrl: dialect.lineUrl,
    checkModel: dialect.checkModel,
    tokenLimits: new Map(Object.entries(options.tokenLimits ?? {})),
    upstream:
      options.upstream === undefined
        ? undefined
        : {
            call: createUpstreamCall(options.upstream),
            concurrency: options.upstream.concurrency ?? 4,
          },
    onError: (err, id) => onError(err, id),
    onBatchCreated: options.onBatchCreated,
  });
  const upstreamCall =
    options.upstream === undefined ? undefined : createUpstreamCall(options.upstream);
  const stats = { requests: 0, faults: 0 };
  const handle = createHttpApi({
    files,
    batches,
    faults,
    now: () => clock.now(),
    newRequestId: () => ids.request(),
    tick: () => batches.tick(),
    stats,
    apiKeys: options.apiKeys,
    listLagMs: profile.list_lag_s * 1000,
    dialect,
    createLimit: createBatchCreateLimit(options.batchCreatesPerHour ?? BATCH_CREATES_PER_HOUR, () =>
      clock.now(),
    ),
    async complete(body) {
      if (upstreamCall !== undefined) {
        const r = await upstreamCall(body);
        if (r.ok) return r.completion;
        throw new Error(r.message);
      }
      await tokenizers.ensure(body.model);
      const counterFor = (e: ReturnType<typeof encodingForModel>) => tokenizers.counterFor(e);
      const customId = derivedId('direct_', JSON.stringify(body.messages));
      return respond(customId, body, counterFor, {
        seed,
        createdSeconds: unixSeconds(clock.now()),
        promptTokens: promptTokensOfBody(body, counterFor),
      });
    },
  });

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      onError(err, `${req.method} ${req.url}`);
      res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const tickMs = options.tickMs ?? (ourClock === systemClock ? 100 : 0);
  const timer = tickMs > 0 ? setInterval(() => batches.tick(), tickMs) : undefined;
  timer?.unref();

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}${dialect.basePath}`,
    origin: `http://${host}:${address.port}`,
    port: address.port,
    tick: () => batches.tick(),
    settle: () => settleBatches(batches),
    stats: () => ({
      ...stats,
      batchesCreated: batches.createdCount(),
      uploadPeakBuffered: files.uploadPeakBuffered,
    }),
    close() {
      closing ??= (async () => {
        if (timer !== undefined) clearInterval(timer);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await batches.close();
        await files.flush();
        if (!persist) await rm(root, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
