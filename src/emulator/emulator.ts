/**
 * A local emulator of the OpenAI Files and Batch API, for tests, demos and runs on local models.
 * Everything the client sees goes over real HTTP and follows the official schemas; time is a
 * parameter (a manual clock in tests); faults are injected on demand, seeded.
 */
import { settleBatches } from './settle.ts';
import { REALISTIC_SCHEDULE, type Schedule } from './batch-lifecycle.ts';
import { openBatchService, type BatchServiceOptions } from './batch-service.ts';
import { offsetClock, systemClock, type EmulatorClock } from './clock.ts';
import { createDirectCompletion } from './direct-completion.ts';
import { emulatorRoot, serveEmulator, type CommonEmulatorOptions } from './emulator-server.ts';
import { openFileStore } from './file-store.ts';
import { createFaults, NO_FAULTS, type Faults } from './faults.ts';
import { createHttpApi } from './http-api.ts';
import { createIdGenerator } from './ids.ts';
import { createTokenizers, type Tokenizers } from './tokenizers.ts';
import { createUpstreamCall, type UpstreamOptions } from './upstream.ts';
import { emulatorDialect, type EmulatorDialect, type EmulatorProvider } from './dialects.ts';
import { BATCH_CREATES_PER_HOUR, createBatchCreateLimit } from './create-limit.ts';

/** Quick enough for a demo, slow enough to watch: seconds, not hours. */
export const DEMO_SCHEDULE: Schedule = {
  validatingMs: 1000,
  msPerRequest: 20,
  finalizingMs: 1000,
  cancellingMs: 1000,
  completionWindowMs: REALISTIC_SCHEDULE.completionWindowMs,
};

export interface EmulatorOptions extends CommonEmulatorOptions {
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
  const seed = options.seed ?? options.faults?.seed ?? 1;
  const faults = createFaults(profile);
  const state = await emulatorRoot(options.stateDir, 'slicebatch-emulator-');
  const ids = createIdGenerator();
  const onError =
    options.onError ??
    ((err: unknown, context: string) => console.error(`emulator (${context}):`, err));
  const tokenizers = createTokenizers();
  const dialect = emulatorDialect(options.provider ?? 'openai', options.models ?? []);
  const now = () => clock.now();
  const { files, batches } = await openStores(options, {
    root: state.root,
    persist: state.persist,
    clock,
    faults,
    seed,
    ids,
    tokenizers,
    dialect,
    onError: (err, id) => onError(err, id),
  });
  const stats = { requests: 0, faults: 0 };
  const handle = createHttpApi({
    files,
    batches,
    faults,
    now,
    newRequestId: () => ids.request(),
    tick: () => batches.tick(),
    stats,
    apiKeys: options.apiKeys,
    listLagMs: profile.list_lag_s * 1000,
    dialect,
    createLimit: createBatchCreateLimit(options.batchCreatesPerHour ?? BATCH_CREATES_PER_HOUR, now),
    complete: createDirectCompletion({
      upstream: options.upstream === undefined ? undefined : createUpstreamCall(options.upstream),
      tokenizers,
      seed,
      now,
    }),
  });

  const server = await serveEmulator(
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        onError(err, `${req.method} ${req.url}`);
        res.destroy();
      });
    },
    {
      host: options.host,
      port: options.port,
      tick: () => batches.tick(),
      tickMs: options.tickMs ?? (ourClock === systemClock ? 100 : 0),
      release: async () => {
        await batches.close();
        await files.flush();
        await state.release();
      },
    },
  );
  return {
    url: `${server.origin}${dialect.basePath}`,
    origin: server.origin,
    port: server.port,
    tick: () => batches.tick(),
    settle: () => settleBatches(batches),
    stats: () => ({
      ...stats,
      batchesCreated: batches.createdCount(),
      uploadPeakBuffered: files.uploadPeakBuffered,
    }),
    close: () => server.close(),
  };
}

/** The emulator's Files and Batches, on its state folder and its clock. */
async function openStores(
  options: EmulatorOptions,
  on: {
    readonly root: string;
    readonly persist: boolean;
    readonly clock: EmulatorClock;
    readonly faults: Faults;
    readonly seed: number;
    readonly ids: ReturnType<typeof createIdGenerator>;
    readonly tokenizers: Tokenizers;
    readonly dialect: EmulatorDialect;
    readonly onError: (err: unknown, batchId: string) => void;
  },
) {
  const { root, persist, clock, dialect, ids } = on;
  const files = await openFileStore({
    root,
    newId: () => ids.file(),
    maxBatchFileBytes: options.maxBatchFileBytes ?? 200 * 1024 * 1024,
    persist,
    now: () => clock.now(),
    fileExpiry: dialect.fileExpiry,
  });
  const batches = await openBatchService({
    ...batchServiceSettings(options, dialect),
    root,
    persist,
    clock,
    files,
    faults: on.faults,
    seed: on.seed,
    newId: () => ids.batch(),
    tokenizers: on.tokenizers,
    onError: on.onError,
  });
  return { files, batches };
}

/** The batch service's settings that come from the options and the provider's dialect. */
function batchServiceSettings(options: EmulatorOptions, dialect: EmulatorDialect) {
  return {
    schedule: { ...DEMO_SCHEDULE, ...options.schedule },
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
    onBatchCreated: options.onBatchCreated,
  };
}
