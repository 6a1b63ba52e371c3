/**
 * The transitions of an emulated batch: one step of batch-lifecycle.ts applied to its record.
 * Steps with work to do (runs, result files) hand it to `effect`, which saves the record after.
 */
import type { Step } from './batch-lifecycle.ts';
import type { BatchRecord } from './batch-record.ts';
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
