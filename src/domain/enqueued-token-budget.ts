/**
 * The organisation's enqueued-token limit, per model: the prompt tokens of all unfinished
 * batches of a model must stay within it. Pure.
 */

export interface BudgetView {
  /** The limit per model: configured, else learned from a token_limit_exceeded message. */
  readonly limits: ReadonlyMap<string, number>;
  /** Prompt tokens of our unfinished batches (and of submissions under way), per model. */
  readonly inUse: ReadonlyMap<string, number>;
}

export type Admission = 'fits' | 'wait' | 'never';

/** Whether a file of `tokens` prompt tokens of `model` may be submitted now. */
export function admit(view: BudgetView, model: string, tokens: number): Admission {
  const limit = view.limits.get(model);
  if (limit === undefined) return 'fits';
  if (tokens > limit) return 'never';
  return (view.inUse.get(model) ?? 0) + tokens <= limit ? 'fits' : 'wait';
}

/**
 * The budget key of a model name: a dated snapshot (`gpt-4o-mini-2024-07-18`), as the API
 * reports batches, is counted under the alias it belongs to (`gpt-4o-mini`) when that alias is
 * among `aliases` (the longest that fits); any other name is its own key.
 */
export function budgetModel(model: string, aliases: Iterable<string>): string {
  let best: string | undefined;
  for (const alias of aliases) {
    if (alias === model) return model;
    if (model.startsWith(`${alias}-`) && (best === undefined || alias.length > best.length))
      best = alias;
  }
  return best ?? model;
}

/** "... Limit: 2,000,000 enqueued tokens ..." → 2000000. */
export function limitFromMessage(message: string | undefined): number | undefined {
  const m = /Limit:\s*([\d,._ ]+)\s*enqueued tokens/i.exec(message ?? '');
  if (m === null) return undefined;
  const n = Number(m[1]!.replace(/[,._ ]/g, ''));
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** Exponential backoff with a cap: 1, 2, 4, ... times `baseMs`, at most `capMs`. */
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
