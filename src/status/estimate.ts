/**
 * `slicebatch estimate`: the tokens and batch-price cost of what is waiting, per source (reviewed
 * slices not converted yet, batch input files not submitted yet), scenario and model (pure).
 * Prompt tokens are exact (counted as the conversion counts them); output tokens are an
 * assumption, `estimate.output_tokens` per request, stated with the result.
 */
import type { Scenario } from '../domain/answer-schemas.ts';
import { costUsd, priceFor, type Price } from '../domain/cost.ts';

export interface WaitingRequests {
  readonly what: 'reviewed_slices' | 'batch_input_files';
  readonly scenario: Scenario;
  readonly model: string;
  readonly requests: number;
  readonly promptTokens: number;
}

export interface EstimateRow extends WaitingRequests {
  readonly assumedOutputTokensPerRequest: number;
  readonly outputTokens: number;
  /** Undefined when no price is configured for the model. */
  readonly costUsd: number | undefined;
  readonly price: Price | undefined;
}

export interface Estimate {
  readonly rows: readonly EstimateRow[];
  readonly totals: {
    readonly requests: number;
    readonly promptTokens: number;
    readonly outputTokens: number;
    readonly costUsd: number;
    /** Models without a configured price (their cost is not in the total). */
    readonly unpriced: readonly string[];
  };
}

export function estimateCost(
  waiting: readonly WaitingRequests[],
  outputTokens: Readonly<Record<Scenario, number>>,
  prices: Readonly<Record<string, Price>>,
): Estimate {
  const merged = new Map<string, WaitingRequests>();
  for (const w of waiting) {
    if (w.requests === 0) continue;
    const key = `${w.what}\u0000${w.scenario}\u0000${w.model}`;
    const m = merged.get(key);
    merged.set(
      key,
      m === undefined
        ? w
        : {
            ...m,
            requests: m.requests + w.requests,
            promptTokens: m.promptTokens + w.promptTokens,
          },
    );
  }
  const rows: EstimateRow[] = [...merged.values()].map((w) => {
    const perRequest = outputTokens[w.scenario];
    const out = w.requests * perRequest;
    const price = priceFor(w.model, prices);
    return {
      ...w,
      assumedOutputTokensPerRequest: perRequest,
      outputTokens: out,
      costUsd: price === undefined ? undefined : costUsd(price, w.promptTokens, out),
      price,
    };
  });
  const unpriced = [...new Set(rows.filter((r) => r.price === undefined).map((r) => r.model))];
  return {
    rows,
    totals: {
      requests: rows.reduce((n, r) => n + r.requests, 0),
      promptTokens: rows.reduce((n, r) => n + r.promptTokens, 0),
      outputTokens: rows.reduce((n, r) => n + r.outputTokens, 0),
      costUsd: rows.reduce((n, r) => n + (r.costUsd ?? 0), 0),
      unpriced,
    },
  };
}
