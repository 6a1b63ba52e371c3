/**
 * The emulator's Batches: records, their validation, their runs, and the tick that moves each
 * one along the state machine of batch-lifecycle.ts. State is persisted (one JSON file per
 * batch) when the emulator has a state folder; a batch interrupted by a restart is run again
 * from its input (the responder is deterministic).
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../storage/atomic-file.ts';
import { apiErrors } from './api-errors.ts';
import { unixSeconds, type EmulatorClock } from './clock.ts';
import {
  nextStep,
  TERMINAL_STATUSES,
  type BatchStatus,
  type Schedule,
  type Step,
} from './batch-lifecycle.ts';
import {
  createBatchRunner,
  type BatchRunner,
  type BatchUsage,
  type UpstreamCall,
} from './batch-runner.ts';
import type { FileStore } from './file-store.ts';
import { snapshotOf } from './model-snapshots.ts';
import type { Faults } from './faults.ts';
import type { Tokenizers } from './tokenizers.ts';
import { validateBatchInput, type BatchErrorData } from './validate-batch-input.ts';

export interface BatchRecord {
  id: string;
  endpoint: string;
  input_file_id: string;
  input_filename: string;
  completion_window: string;
  metadata: Record<string, string> | null;
  /** `output_expires_after.seconds` of the create: the life of its output and error files. */
  output_expires_after_s?: number | null;
  model: string | null;
  status: BatchStatus;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  errors: BatchErrorData[] | null;
  output_file_id: string | null;
  error_file_id: string | null;
  total: number;
  completed: number;
  failed: number;
  usage: BatchUsage | null;
  validation: 'pending' | 'ok' | 'failed';
  prompt_tokens: number;
  results_written: boolean;
  cancel_requested: boolean;
  fault: {
    /** Injected expiry: after this many requests, or this fraction of them. */
    expire_after: number | null;
    expire_after_fraction: number | null;
    fail_all: boolean;
    validation: boolean;
    token_limit: boolean;
    /** Expired or cancelled without lines for the unfinished requests. */
    no_unfinished_lines?: boolean;
    /** Ended with `output_file_id: null` whatever completed. */
    null_output_id?: boolean;
  };
}

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

export async function openBatchService(options: BatchServiceOptions) {
  const { clock, schedule, files, faults } = options;
  const dir = join(options.root, 'batches');
  const workDir = join(options.root, 'runs');
  await mkdir(dir, { recursive: true });
  await mkdir(workDir, { recursive: true });
  const batches = new Map<string, BatchRecord>();
  const runners = new Map<string, BatchRunner>();
  const busy = new Map<string, Promise<void>>();
  const validations = new Map<string, Promise<void>>();
  let createdCount = 0;

  if (options.persist) {
    for (const name of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()) {
      const record = JSON.parse(await readFile(join(dir, name), 'utf8')) as BatchRecord;
      batches.set(record.id, record);
    }
    for (const b of batches.values()) {
      // Work in flight at the restart is done again.
      if (b.validation === 'pending' && b.status === 'validating') startValidation(b);
      if (b.status === 'in_progress') resetRun(b);
    }
  }

  let closed = false;
  /** Saves not awaited by their caller: close() waits for them (nothing written after it). */
  const saving = new Set<Promise<void>>();
  function save(b: BatchRecord): Promise<void> {
    if (!options.persist) return Promise.resolve();
    const p = writeJsonAtomic(join(dir, `${b.id}.json`), b).finally(() => saving.delete(p));
    saving.add(p);
    return p;
  }

  function runPaths(b: BatchRecord) {
    return {
      output: join(workDir, `${b.id}.output.jsonl`),
      error: join(workDir, `${b.id}.error.jsonl`),
    };
  }

  function resetRun(b: BatchRecord): void {
    b.completed = 0;
    b.failed = 0;
    b.results_written = false;
  }

  function runnerOf(b: BatchRecord): BatchRunner {
    let r = runners.get(b.id);
    if (r === undefined) {
      const paths = runPaths(b);
      r = createBatchRunner({
        batchId: b.id,
        inputPath: files.pathOf(b.input_file_id),
        outputPath: paths.output,
        errorPath: paths.error,
        seed: options.seed,
        faults,
        failAll: b.fault.fail_all,
        counterFor: (e) => options.tokenizers.counterFor(e),
        now: () => clock.now(),
        upstream: options.upstream,
        endpoint: b.endpoint,
      });
      runners.set(b.id, r);
    }
    return r;
  }

  function startValidation(b: BatchRecord): void {
    const work = (async () => {
      const result = await validateBatchInput(files.pathOf(b.input_file_id), {
        endpoint: b.endpoint,
        maxRequests: options.maxRequestsPerBatch,
        tokenizers: options.tokenizers,
        lineUrl: options.lineUrl,
        checkModel: options.checkModel,
      });
      b.total = result.errors.length === 0 ? result.total : 0;
      b.model = result.model;
      b.prompt_tokens = result.promptTokens;
      if (result.errors.length > 0) {
        b.errors = [...result.errors];
      } else if (b.fault.validation) {
        b.errors = [
          {
            code: 'invalid_json_line',
            message: '(emulated fault) This line is not parseable as valid JSON.',
            param: null,
            line: 1,
          },
        ];
      }
      b.validation = b.errors === null ? 'ok' : 'failed';
      await save(b);
    })();
    validations.set(b.id, work);
    void work
      .catch((err: unknown) => options.onError(err, b.id))
      .finally(() => validations.delete(b.id));
  }

  /** Prompt tokens of the admitted, unfinished batches of a model (the enqueued tokens). */
  function enqueuedTokens(model: string | null, except: string): number {
    let n = 0;
    for (const b of batches.values()) {
      if (b.id === except || b.model !== model) continue;
      if (b.status === 'in_progress' || b.status === 'finalizing' || b.status === 'cancelling')
        n += b.prompt_tokens;
    }
    return n;
  }

  async function writeResults(b: BatchRecord, unfinished?: 'expired' | 'cancelled'): Promise<void> {
    if (b.model !== null) await options.tokenizers.ensure(b.model);
    const runner = runnerOf(b);
    if (unfinished === undefined) {
      await runner.advance(b.total);
      await runner.drain();
    }
    const { outputLines, errorLines } = await runner.finish(
      unfinished,
      b.fault.no_unfinished_lines === true,
    );
    runners.delete(b.id);
    b.completed = runner.completed;
    b.failed = runner.failed;
    b.usage = runner.usage;
    const paths = runPaths(b);
    const now = clock.now();
    if (outputLines > 0) {
      b.output_file_id = (
        await files.register(
          paths.output,
          `batch_${b.id}_output.jsonl`,
          'batch_output',
          now,
          b.output_expires_after_s ?? undefined,
        )
      ).id;
    } else {
      await rm(paths.output, { force: true });
    }
    if (errorLines > 0) {
      b.error_file_id = (
        await files.register(
          paths.error,
          `batch_${b.id}_error.jsonl`,
          'batch_output',
          now,
          b.output_expires_after_s ?? undefined,
        )
      ).id;
    } else {
      await rm(paths.error, { force: true });
    }
    b.results_written = true;
  }

  /** Applies one step; returns true when the batch may move again at once. */
  function apply(b: BatchRecord, step: Step): boolean {
    const effect = (work: () => Promise<void>): void => {
      const p = (async () => {
        await work();
        await save(b);
      })()
        .catch((err: unknown) => options.onError(err, b.id))
        .finally(() => busy.delete(b.id));
      busy.set(b.id, p);
    };
    switch (step.kind) {
      case 'wait':
        return false;
      case 'fail':
        b.status = 'failed';
        b.failed_at = step.at;
        void save(b);
        return false;
      case 'start': {
        const limit = b.model === null ? undefined : options.tokenLimits.get(b.model);
        const over = limit !== undefined && enqueuedTokens(b.model, b.id) + b.prompt_tokens > limit;
        if (over || b.fault.token_limit) {
          b.errors = [
            {
              code: 'token_limit_exceeded',
              message: `Enqueued token limit reached for ${b.model ?? 'the model'} in organization org-emulator. Limit: ${(limit ?? b.prompt_tokens).toLocaleString('en-US')} enqueued tokens. Please try again once some in_progress batches have been completed.`,
              param: null,
              line: null,
            },
          ];
          b.status = 'failed';
          b.failed_at = step.at;
          void save(b);
          return false;
        }
        b.status = 'in_progress';
        b.in_progress_at = step.at;
        void save(b);
        return true;
      }
      case 'run': {
        const runner = runnerOf(b);
        effect(async () => {
          if (b.model !== null) await options.tokenizers.ensure(b.model);
          await runner.advance(step.target);
          b.completed = runner.completed;
          b.failed = runner.failed;
        });
        return false;
      }
      case 'finalize':
        b.status = 'finalizing';
        b.finalizing_at = step.at;
        effect(() => writeResults(b));
        return false;
      case 'complete':
        b.status = 'completed';
        b.completed_at = step.at;
        void save(b);
        return false;
      case 'expire':
        effect(async () => {
          await writeResults(b, 'expired');
          b.status = 'expired';
          b.expired_at = step.at;
        });
        return false;
      case 'begin_cancel':
        b.status = 'cancelling';
        b.cancelling_at = step.at;
        void save(b);
        return true;
      case 'end_cancel':
        effect(async () => {
          if (b.in_progress_at !== null) await writeResults(b, 'cancelled');
          b.status = 'cancelled';
          b.cancelled_at = step.at;
        });
        return false;
    }
  }

  function tickOne(b: BatchRecord, now: number): void {
    for (let i = 0; i < 8; i++) {
      if (TERMINAL_STATUSES.includes(b.status)) return;
      const step = nextStep(
        {
          status: b.status,
          createdAt: b.created_at,
          expiresAt: b.expires_at,
          inProgressAt: b.in_progress_at,
          finalizingAt: b.finalizing_at,
          cancellingAt: b.cancelling_at,
          validation: b.validation,
          total: b.total,
          processed: b.completed + b.failed,
          expireAfter: expireAfter(b),
          upstream: options.upstream !== undefined,
          upstreamFinished: runners.get(b.id)?.upstreamFinished ?? false,
          busy: busy.has(b.id),
          cancelRequested: b.cancel_requested && b.status !== 'cancelling',
        },
        now,
        schedule,
      );
      if (!apply(b, step)) return;
    }
  }

  return {
    /** Moves every batch along as far as the clock allows (work continues in the background). */
    tick(): void {
      if (closed) return;
      const now = clock.now();
      for (const b of batches.values()) tickOne(b, now);
    },

    /** Background work running (validations, runs, result files, upstream requests). */
    pending(): Promise<void>[] {
      const upstream = [...runners.values()].flatMap((r) => r.activity() ?? []);
      return [...validations.values(), ...busy.values(), ...upstream];
    },

    createdCount: () => createdCount,

    async create(params: {
      input_file_id: string;
      endpoint: string;
      completion_window: string;
      metadata: Record<string, string> | null;
      output_expires_after_s?: number | undefined;
    }): Promise<BatchRecord> {
      const file = files.get(params.input_file_id);
      if (file === undefined) throw apiErrors.notFound('file', params.input_file_id);
      if (file.purpose !== 'batch') {
        throw apiErrors.badRequest(
          `The file ${file.id} has purpose '${file.purpose}', not 'batch'.`,
          'input_file_id',
        );
      }
      const now = clock.now();
      const injected = faults.forBatch(file.filename);
      const expire = injected.find((f) => f.kind === 'expire');
      const b: BatchRecord = {
        id: options.newId(),
        endpoint: params.endpoint,
        input_file_id: file.id,
        input_filename: file.filename,
        completion_window: params.completion_window,
        metadata: params.metadata,
        output_expires_after_s: params.output_expires_after_s ?? null,
        model: null,
        status: 'validating',
        created_at: now,
        in_progress_at: null,
        expires_at: now + schedule.completionWindowMs,
        finalizing_at: null,
        completed_at: null,
        failed_at: null,
        expired_at: null,
        cancelling_at: null,
        cancelled_at: null,
        errors: null,
        output_file_id: null,
        error_file_id: null,
        total: 0,
        completed: 0,
        failed: 0,
        usage: null,
        validation: 'pending',
        prompt_tokens: 0,
        results_written: false,
        cancel_requested: false,
        fault: {
          expire_after: expire?.after_requests ?? null,
          expire_after_fraction:
            expire === undefined || expire.after_requests !== undefined
              ? null
              : (expire.after_fraction ?? 0.5),
          fail_all: injected.some((f) => f.kind === 'no_output'),
          validation: injected.some((f) => f.kind === 'validation_failure'),
          token_limit: injected.some((f) => f.kind === 'token_limit_exceeded'),
          no_unfinished_lines: injected.some((f) => f.kind === 'no_unfinished_lines'),
          null_output_id: injected.some((f) => f.kind === 'null_output_id'),
        },
      };
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
      if (b.status !== 'validating' && b.status !== 'in_progress' && b.status !== 'cancelling') {
        throw apiErrors.badRequest(
          `Cannot cancel a batch with status '${b.status}'.`,
          null,
          'batch_not_cancellable',
        );
      }
      b.cancel_requested = true;
      tickOne(b, clock.now());
      await save(b);
      return b;
    },

    async close(): Promise<void> {
      // No new work from here on; then wait for the work already started, all of it.
      closed = true;
      while (validations.size > 0 || busy.size > 0)
        await Promise.allSettled([...validations.values(), ...busy.values()]);
      for (const r of runners.values()) await r.abort();
      runners.clear();
      await Promise.allSettled([...saving]);
    },
  };
}

function expireAfter(b: BatchRecord): number | null {
  if (b.fault.expire_after !== null) return b.fault.expire_after;
  if (b.fault.expire_after_fraction !== null)
    return Math.floor(b.fault.expire_after_fraction * b.total);
  return null;
}

export type BatchService = Awaited<ReturnType<typeof openBatchService>>;

/** The API's Batch object. */
export function batchObject(b: BatchRecord): Record<string, unknown> {
  const s = (ms: number | null): number | null => (ms === null ? null : unixSeconds(ms));
  // Result files exist while finalizing, expiring or cancelling; they are shown once it ends.
  const ended = TERMINAL_STATUSES.includes(b.status);
  return {
    id: b.id,
    object: 'batch',
    endpoint: b.endpoint,
    model: b.model === null ? null : snapshotOf(b.model),
    errors: b.errors === null ? null : { object: 'list', data: b.errors },
    input_file_id: b.input_file_id,
    completion_window: b.completion_window,
    status: b.status,
    output_file_id: ended && b.fault.null_output_id !== true ? b.output_file_id : null,
    error_file_id: ended ? b.error_file_id : null,
    created_at: unixSeconds(b.created_at),
    in_progress_at: s(b.in_progress_at),
    expires_at: unixSeconds(b.expires_at),
    finalizing_at: s(b.finalizing_at),
    completed_at: s(b.completed_at),
    failed_at: s(b.failed_at),
    expired_at: s(b.expired_at),
    cancelling_at: s(b.cancelling_at),
    cancelled_at: s(b.cancelled_at),
    // Counts appear once the batch is in progress (validating shows zeros).
    request_counts:
      b.status === 'validating' || (b.status === 'cancelled' && b.in_progress_at === null)
        ? { total: 0, completed: 0, failed: 0 }
        : { total: b.total, completed: b.completed, failed: b.failed },
    metadata: b.metadata,
    usage: b.usage,
  };
}
