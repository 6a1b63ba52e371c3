/**
 * The emulator's Batches: records, their validation, their runs, and the tick that moves each
 * one along the state machine of batch-lifecycle.ts. State is persisted (one JSON file per
 * batch) when the emulator has a state folder; a batch interrupted by a restart is run again
 * from its input (the responder is deterministic).
 *
 * The pieces: the record and its Batch object (batch-record.ts), the transitions
 * (batch-steps.ts), the runs and their result files (batch-runs.ts), the input's validation
 * (batch-validation.ts), the persistence (batch-store.ts), the background work (batch-work.ts).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { apiErrors } from './api-errors.ts';
import type { EmulatorClock } from './clock.ts';
import type { Schedule } from './batch-lifecycle.ts';
import { newBatchRecord, type BatchCreateParams, type BatchRecord } from './batch-record.ts';
import type { UpstreamCall } from './batch-runner.ts';
import { createBatchRuns, type BatchRuns } from './batch-runs.ts';
import {
  advanceBatch,
  assertCancellable,
  enqueuedTokens,
  type StepContext,
} from './batch-steps.ts';
import { createBatchStore } from './batch-store.ts';
import { createBatchWork, type BatchWork } from './batch-work.ts';
import { batchInputFile, validateRecord } from './batch-validation.ts';
import type { FileStore } from './file-store.ts';
import type { Faults } from './faults.ts';
import type { Tokenizers } from './tokenizers.ts';

export { batchObject, type BatchRecord } from './batch-record.ts';

export interface BatchServiceOptions {
  readonly root: string;
  readonly persist: boolean;
  readonly clock: EmulatorClock;
  readonly schedule: Schedule;
  readonly files: FileStore;
  readonly faults: Faults;
  readonly seed: number;
  readonly newId: () => string;
  readonly tokenizers: Tokenizers;
  readonly maxRequestsPerBatch: number;
  /** Enqueued prompt tokens allowed per model (absent: unlimited). */
  readonly tokenLimits: ReadonlyMap<string, number>;
  readonly upstream?: { call: UpstreamCall; concurrency: number } | undefined;
  readonly onError: (err: unknown, batchId: string) => void;
  /** Observes each batch created, with the path of its input file (tests count submissions). */
  readonly onBatchCreated?: ((created: BatchCreated) => void) | undefined;
  /** The provider's request-line rules (dialects.ts): its url form and the models it serves. */
  readonly lineUrl?: ((url: unknown) => unknown) | undefined;
  readonly checkModel?: ((model: string) => string | undefined) | undefined;
}

export interface BatchCreated {
  readonly batchId: string;
  readonly inputFileId: string;
  readonly inputPath: string;
}

export const SUPPORTED_ENDPOINTS = ['/v1/chat/completions', '/v1/responses'] as const;

/**
 * A record read back after a restart: a run in progress starts again from its input (its
 * counts and results reset). True when its validation was under way and is to be started again.
 */
function resumeAfterRestart(b: BatchRecord): boolean {
  if (b.status === 'in_progress') {
    b.completed = 0;
    b.failed = 0;
    b.results_written = false;
  }
  return b.validation === 'pending' && b.status === 'validating';
}

/** What the lifecycle steps of the service's batches act with. */
function stepContext(
  options: BatchServiceOptions,
  batches: ReadonlyMap<string, BatchRecord>,
  runs: BatchRuns,
  work: BatchWork,
  save: (b: BatchRecord) => Promise<void>,
): StepContext {
  return {
    runs,
    tokenizers: options.tokenizers,
    tokenLimit: (model) => options.tokenLimits.get(model),
    enqueuedTokens: (model, except) => enqueuedTokens(batches.values(), model, except),
    save,
    effect: (b, effect) =>
      work.effect(b.id, async () => {
        await effect();
        await save(b);
      }),
    busy: (id) => work.busy(id),
    upstream: options.upstream !== undefined,
    schedule: options.schedule,
  };
}

export async function openBatchService(options: BatchServiceOptions) {
  const { clock, schedule, files, faults } = options;
  const dir = join(options.root, 'batches');
  const workDir = join(options.root, 'runs');
  await mkdir(dir, { recursive: true });
  await mkdir(workDir, { recursive: true });
  const batches = new Map<string, BatchRecord>();
  const work = createBatchWork(options.onError);
  const store = createBatchStore(dir, options.persist);
  const save = (b: BatchRecord): Promise<void> => store.save(b);
  const runs = createBatchRuns({ ...options, workDir });
  let createdCount = 0;
  const validation = {
    maxRequests: options.maxRequestsPerBatch,
    tokenizers: options.tokenizers,
    lineUrl: options.lineUrl,
    checkModel: options.checkModel,
  };
  const startValidation = (b: BatchRecord): void =>
    work.validate(b.id, async () => {
      await validateRecord(b, files.pathOf(b.input_file_id), validation);
      await save(b);
    });

  for (const record of await store.load()) batches.set(record.id, record);
  // Work in flight at the restart is done again.
  for (const b of batches.values()) if (resumeAfterRestart(b)) startValidation(b);

  let closed = false;

  const steps = stepContext(options, batches, runs, work, save);

  return {
    /** Moves every batch along as far as the clock allows (work continues in the background). */
    tick(): void {
      if (closed) return;
      const now = clock.now();
      for (const b of batches.values()) advanceBatch(b, now, steps);
    },

    /**
     * Background work running (validations, runs, result files, upstream requests) and the
     * saves the steps started without waiting.
     */
    pending(): Promise<void>[] {
      return [...work.pending(), ...runs.activity(), ...store.pending()];
    },

    createdCount: () => createdCount,

    async create(params: BatchCreateParams): Promise<BatchRecord> {
      const file = batchInputFile(files, params.input_file_id);
      const now = clock.now();
      const injected = faults.forBatch(file.filename);
      const b = newBatchRecord(options.newId(), file, params, now, schedule, injected);
      batches.set(b.id, b);
      createdCount++;
      await save(b);
      options.onBatchCreated?.({
        batchId: b.id,
        inputFileId: file.id,
        inputPath: files.pathOf(file.id),
      });
      startValidation(b);
      return b;
    },

    get(id: string): BatchRecord | undefined {
      return batches.get(id);
    },

    /** Newest first, as the real service lists them. */
    list(): BatchRecord[] {
      return [...batches.values()].reverse();
    },

    async cancel(id: string): Promise<BatchRecord> {
      const b = batches.get(id);
      if (b === undefined) throw apiErrors.notFound('batch', id);
      assertCancellable(b);
      b.cancel_requested = true;
      advanceBatch(b, clock.now(), steps);
      await save(b);
      return b;
    },

    async close(): Promise<void> {
      // No new work from here on; then wait for the work already started, all of it.
      closed = true;
      await work.settle();
      await runs.abortAll();
      await store.settle();
    },
  };
}

export type BatchService = Awaited<ReturnType<typeof openBatchService>>;
