/**
 * Which batch input files to submit now, and why not the others. Pure.
 *
 * In file order: a file already submitted (same content, any name) is done; one that failed
 * for good stays failed; one waiting after a token-limit failure waits for its time; the others
 * are submitted while the enqueued tokens of their model stay within its limit (first come,
 * first served per model, so a large file is not starved by smaller ones), and while the
 * estimated spend plus the file stays within `limits.max_cost_usd` (the first file that would
 * pass it stops submission).
 */
import type { JobRecord } from '../jobs/job-record.ts';
import type { BatchInputFile } from './batch-input-manifest.ts';
import { costUsd, priceFor, type Price } from './cost.ts';
import { holdsTokens } from './batch-status.ts';
import { formatCount as count, formatUsd as usd } from '../format.ts';
import { admit, budgetModel } from './enqueued-token-budget.ts';
import { currentBatchId, type Submission } from '../jobs/submission-state.ts';

export type PlanDecision =
  | {
      readonly kind: 'submit';
      readonly file: BatchInputFile;
      readonly estimatedCostUsd: number | null;
    }
  | { readonly kind: 'done'; readonly file: BatchInputFile; readonly batchId: string }
  | { readonly kind: 'duplicate'; readonly file: BatchInputFile; readonly of: string }
  | { readonly kind: 'in_flight'; readonly file: BatchInputFile }
  | { readonly kind: 'failed'; readonly file: BatchInputFile; readonly reason: string }
  | {
      readonly kind: 'backoff';
      readonly file: BatchInputFile;
      readonly until: number;
      /** Why it waits, when not a token-limit failure of its batch. */
      readonly reason?: string;
    }
  | {
      readonly kind: 'wait_budget';
      readonly file: BatchInputFile;
      readonly model: string;
      readonly inUse: number;
      readonly limit: number;
    }
  | { readonly kind: 'too_large'; readonly file: BatchInputFile; readonly limit: number }
  | {
      readonly kind: 'cost_cap';
      readonly file: BatchInputFile;
      readonly spentUsd: number;
      readonly nextUsd: number;
      readonly capUsd: number;
    };

export interface PlanInput {
  readonly files: readonly BatchInputFile[];
  readonly submissions: ReadonlyMap<string, Submission>;
  readonly jobs: ReadonlyMap<string, JobRecord>;
  /** Enqueued-token limit per model (configured, else learned). */
  readonly limits: ReadonlyMap<string, number>;
  readonly prices: Readonly<Record<string, Price>>;
  readonly maxCostUsd: number | undefined;
  /** Completion tokens assumed per request, per scenario. */
  readonly outputTokens: Readonly<Record<string, number>>;
  /** Files (by sha256) whose submission task is running. */
  readonly inFlight: ReadonlySet<string>;
  readonly now: number;
}

export function estimateFileCost(
  file: BatchInputFile,
  prices: Readonly<Record<string, Price>>,
  outputTokens: Readonly<Record<string, number>>,
): number | null {
  const price = priceFor(file.manifest.model, prices);
  if (price === undefined) return null;
  const out = file.manifest.requests * (outputTokens[file.manifest.scenario] ?? 0);
  return costUsd(price, file.manifest.prompt_tokens, out);
}

/** What the jobs cost so far: actual where reported, the estimate otherwise. */
export function spentUsd(jobs: ReadonlyMap<string, JobRecord>): number {
  let total = 0;
  for (const job of jobs.values()) {
    if (job.cost_usd !== null) total += job.cost_usd;
    else if (job.status !== 'failed') total += job.estimated_cost_usd ?? 0;
  }
  return total;
}

export function planSubmissions(input: PlanInput): PlanDecision[] {
  const inUse = new Map<string, number>();
  // One key per model: the requests' alias (job files written before kept the API's snapshot).
  const aliases = new Set(
    [...input.limits.keys(), ...input.files.map((f) => f.manifest.model)].filter(Boolean),
  );
  for (const job of input.jobs.values()) {
    if (typeof job.model === 'string' && holdsTokens(job.status)) {
      const key = budgetModel(job.model, aliases);
      inUse.set(key, (inUse.get(key) ?? 0) + job.prompt_tokens);
    }
  }
  let spent = spentUsd(input.jobs);
  let costStopped = false;
  const waitingModels = new Set<string>();
  const seen = new Map<string, string>();
  const decisions: PlanDecision[] = [];

  for (const file of input.files) {
    const { sha256, model, prompt_tokens: tokens } = file.manifest;
    const first = seen.get(sha256);
    if (first !== undefined) {
      decisions.push({ kind: 'duplicate', file, of: first });
      continue;
    }
    seen.set(sha256, file.display);
    const s = input.submissions.get(sha256);
    if (input.inFlight.has(sha256)) {
      decisions.push({ kind: 'in_flight', file });
      // Its tokens are reserved by the task.
      inUse.set(model, (inUse.get(model) ?? 0) + tokens);
      continue;
    }
    if (s?.phase === 'submitted') {
      decisions.push({ kind: 'done', file, batchId: currentBatchId(s)! });
      continue;
    }
    if (s?.phase === 'failed') {
      decisions.push({ kind: 'failed', file, reason: s.failure ?? 'failed' });
      continue;
    }
    if (s?.phase === 'waiting' && s.notBefore !== undefined && input.now < s.notBefore) {
      decisions.push({ kind: 'backoff', file, until: s.notBefore });
      continue;
    }
    // A submission interrupted after its create intent may already be a batch: finishing it
    // (finding the batch, or creating it) is not new spending, so no gate applies.
    const resuming = s?.phase === 'creating';
    const cost = estimateFileCost(file, input.prices, input.outputTokens);
    if (!resuming) {
      const limit = input.limits.get(model);
      const admission = waitingModels.has(model)
        ? 'wait'
        : admit({ limits: input.limits, inUse }, model, tokens);
      if (admission === 'never') {
        decisions.push({ kind: 'too_large', file, limit: limit! });
        continue;
      }
      if (admission === 'wait') {
        waitingModels.add(model);
        decisions.push({
          kind: 'wait_budget',
          file,
          model,
          inUse: inUse.get(model) ?? 0,
          limit: limit!,
        });
        continue;
      }
      if (input.maxCostUsd !== undefined) {
        const next = cost ?? 0;
        if (costStopped || spent + next > input.maxCostUsd) {
          costStopped = true;
          decisions.push({
            kind: 'cost_cap',
            file,
            spentUsd: spent,
            nextUsd: next,
            capUsd: input.maxCostUsd,
          });
          continue;
        }
      }
    }
    inUse.set(model, (inUse.get(model) ?? 0) + tokens);
    spent += cost ?? 0;
    decisions.push({ kind: 'submit', file, estimatedCostUsd: cost });
  }
  return decisions;
}

/** Why a file was not submitted in this round, when it waits for something. */
export function describeWaiting(d: PlanDecision): string | undefined {
  switch (d.kind) {
    case 'wait_budget':
      return `waits for the enqueued-token budget of ${d.model} (${count(d.inUse)} of ${count(d.limit)} in use, needs ${count(d.file.manifest.prompt_tokens)})`;
    case 'backoff':
      return `waits until ${new Date(d.until).toISOString()} (${d.reason ?? 'its batch hit the enqueued-token limit'})`;
    case 'cost_cap':
      return `not submitted: limits.max_cost_usd (${usd(d.capUsd)}) would be passed (spent about ${usd(d.spentUsd)}, this file about ${usd(d.nextUsd)})`;
    case 'too_large':
      return `never fits: ${count(d.file.manifest.prompt_tokens)} prompt tokens, more than the limit of ${count(d.limit)} (convert again with that limit to split it)`;
    default:
      return undefined;
  }
}
