/**
 * What became of each request of an ended batch, by its index in the input file, in a byte
 * per request: whether a line decided its fate (only the first one does) and whether it is
 * sent again, with the larger `max_completion_tokens` some retries need, and the counts by
 * fate. Pure: no I/O, no custom_ids kept as strings.
 */
import type { Fate } from './request-fate.ts';

const SEEN = 1;
const RETRY = 2;

export class FateTally {
  readonly outcome = { usable: 0, retry: 0, final: 0 };
  /** Requests to send again, and the highest attempt among them. */
  retries = 0;
  retryAttempt = 0;
  readonly size: number;
  private readonly state: Uint8Array;
  /** Retries that need a larger max_completion_tokens, by request index (0: none). */
  private budgets: Uint32Array | undefined;

  constructor(size: number) {
    this.size = size;
    this.state = new Uint8Array(size);
  }

  /** True the first time this is asked of a request (its first line decides its fate). */
  firstLine(index: number): boolean {
    if ((this.state[index]! & SEEN) !== 0) return false;
    this.state[index]! |= SEEN;
    return true;
  }

  seen(index: number): boolean {
    return (this.state[index]! & SEEN) !== 0;
  }

  /** Whether any request had no line deciding its fate. */
  anyUnseen(): boolean {
    return this.state.some((s) => (s & SEEN) === 0);
  }

  /** A request's fate counted; `attempt` is the one it was sent as. */
  count(index: number, fate: Fate, attempt: number): void {
    this.outcome[fate.kind]++;
    if (fate.kind !== 'retry') return;
    this.state[index]! |= RETRY;
    this.retries++;
    this.retryAttempt = Math.max(this.retryAttempt, attempt);
    if (fate.maxCompletionTokens !== undefined)
      (this.budgets ??= new Uint32Array(this.size))[index] = fate.maxCompletionTokens;
  }

  isRetry(index: number): boolean {
    return index !== -1 && (this.state[index]! & RETRY) !== 0;
  }

  /** The larger max_completion_tokens a retry needs, if any. */
  budgetOf(index: number): number | undefined {
    const budget = index === -1 ? 0 : (this.budgets?.[index] ?? 0);
    return budget === 0 ? undefined : budget;
  }
}
