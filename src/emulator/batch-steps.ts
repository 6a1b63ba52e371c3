/**
 * The transitions of an emulated batch: one step of batch-lifecycle.ts applied to its record,
 * and a batch advanced step by step as far as the clock allows (advanceBatch).
 * Steps with work to do (runs, result files) hand it to `effect`, which saves the record after.
 */
import { scheduleOf } from './stalled-phase.ts';
import { apiErrors } from './api-errors.ts';
import {
  nextStep,
  TERMINAL_STATUSES,
  type LifecycleFacts,
  type Schedule,
  type Step,
} from './batch-lifecycle.ts';
import { expireAfter, type BatchRecord } from './batch-record.ts';
import type { BatchRuns } from './batch-runs.ts';
import type { Tokenizers } from './tokenizers.ts';
import type { BatchErrorData } from './validate-batch-input.ts';

export interface StepContext {
  readonly runs: BatchRuns;
  readonly tokenizers: Tokenizers;
  /** Enqueued prompt tokens allowed for a model (undefined: unlimited). */
  readonly tokenLimit: (model: string) => number | undefined;
  /** Prompt tokens of the admitted, unfinished batches of a model, but `except`. */
  readonly enqueuedTokens: (model: string | null, except: string) => number;
  readonly save: (b: BatchRecord) => Promise<void>;
  /** Runs work for the batch in the background (the batch is busy meanwhile), then saves it. */
  readonly effect: (b: BatchRecord, work: () => Promise<void>) => void;
  /** A step's effect is under way for the batch. */
  readonly busy: (batchId: string) => boolean;
  /** Requests are answered by an upstream server. */
  readonly upstream: boolean;
  readonly schedule: Schedule;
}

/** Moves a batch along as far as the clock allows: its next steps, at most 8 at once. */
export function advanceBatch(b: BatchRecord, now: number, ctx: StepContext): void {
  for (let i = 0; i < 8; i++) {
    if (TERMINAL_STATUSES.includes(b.status)) return;
    const facts = lifecycleFacts(b, {
      upstream: ctx.upstream,
      upstreamFinished: ctx.runs.get(b.id)?.upstreamFinished ?? false,
      busy: ctx.busy(b.id),
    });
    if (!applyStep(b, nextStep(facts, now, scheduleOf(b.fault.stall, ctx.schedule)), ctx)) return;
  }
}

/** Applies one step; returns true when the batch may move again at once. */
export function applyStep(b: BatchRecord, step: Step, ctx: StepContext): boolean {
  switch (step.kind) {
    case 'wait':
      return false;
    case 'fail':
      b.status = 'failed';
      b.failed_at = step.at;
      void ctx.save(b);
      return false;
    case 'start':
      return start(b, step.at, ctx);
    case 'run': {
      const runner = ctx.runs.runnerOf(b);
      ctx.effect(b, async () => {
        if (b.model !== null) await ctx.tokenizers.ensure(b.model);
        await runner.advance(step.target);
        b.completed = runner.completed;
        b.failed = runner.failed;
      });
      return false;
    }
    case 'finalize':
      b.status = 'finalizing';
      b.finalizing_at = step.at;
      ctx.effect(b, () => ctx.runs.writeResults(b));
      return false;
    case 'complete':
      b.status = 'completed';
      b.completed_at = step.at;
      void ctx.save(b);
      return false;
    case 'expire':
      ctx.effect(b, async () => {
        await ctx.runs.writeResults(b, 'expired');
        b.status = 'expired';
        b.expired_at = step.at;
      });
      return false;
    case 'begin_cancel':
      b.status = 'cancelling';
      b.cancelling_at = step.at;
      void ctx.save(b);
      return true;
    case 'end_cancel':
      ctx.effect(b, async () => {
        if (b.in_progress_at !== null) await ctx.runs.writeResults(b, 'cancelled');
        b.status = 'cancelled';
        b.cancelled_at = step.at;
      });
      return false;
  }
}

/** Admits a validated batch, or fails it when its model's enqueued-token limit is reached. */
function start(b: BatchRecord, at: number, ctx: StepContext): boolean {
  const limit = b.model === null ? undefined : ctx.tokenLimit(b.model);
  const over = limit !== undefined && ctx.enqueuedTokens(b.model, b.id) + b.prompt_tokens > limit;
  if (over || b.fault.token_limit) {
    b.errors = [tokenLimitError(b.model, limit ?? b.prompt_tokens)];
    b.status = 'failed';
    b.failed_at = at;
    void ctx.save(b);
    return false;
  }
  b.status = 'in_progress';
  b.in_progress_at = at;
  void ctx.save(b);
  return true;
}

function tokenLimitError(model: string | null, limit: number): BatchErrorData {
  return {
    code: 'token_limit_exceeded',
    message: `Enqueued token limit reached for ${model ?? 'the model'} in organization org-emulator. Limit: ${limit.toLocaleString('en-US')} enqueued tokens. Please try again once some in_progress batches have been completed.`,
    param: null,
    line: null,
  };
}

/** What the state machine needs to know of a batch, beside its record: its run and its work. */
export function lifecycleFacts(
  b: BatchRecord,
  run: { upstream: boolean; upstreamFinished: boolean; busy: boolean },
): LifecycleFacts {
  return {
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
    upstream: run.upstream,
    upstreamFinished: run.upstreamFinished,
    busy: run.busy,
    cancelRequested: b.cancel_requested && b.status !== 'cancelling',
  };
}

/** Prompt tokens of the admitted, unfinished batches of a model (the enqueued tokens), but `except`. */
export function enqueuedTokens(
  batches: Iterable<BatchRecord>,
  model: string | null,
  except: string,
): number {
  let n = 0;
  for (const b of batches) {
    if (b.id === except || b.model !== model) continue;
    if (b.status === 'in_progress' || b.status === 'finalizing' || b.status === 'cancelling')
      n += b.prompt_tokens;
  }
  return n;
}

/** Throws the API's error when the batch can no longer be cancelled. */
export function assertCancellable(b: BatchRecord): void {
  if (b.status !== 'validating' && b.status !== 'in_progress' && b.status !== 'cancelling') {
    throw apiErrors.badRequest(
      `Cannot cancel a batch with status '${b.status}'.`,
      null,
      'batch_not_cancellable',
    );
  }
}
