/**
 * What the duplicates not sent saved (`dedup`): their requests, their exact prompt tokens, and
 * the batch-price cost of those and of the output tokens assumed per request
 * (`estimate.output_tokens`), as `estimate` prices what is waiting.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import type { Price } from '../domain/cost.ts';
import {
  BrokenStoreError,
  DUPLICATE_STORE_NAME,
  openDuplicateStore,
} from '../storage/duplicate-store.ts';
import { estimateCost } from './estimate.ts';

export interface NotSentRequests {
  readonly scenario: Scenario;
  readonly model: string;
  readonly requests: number;
  readonly promptTokens: number;
}

export interface DuplicateSavings {
  readonly requests: number;
  readonly promptTokens: number;
  /** Prompt tokens and assumed output tokens at batch prices (models with a price). */
  readonly savedUsd: number;
  /** Models without a configured price (not in savedUsd). */
  readonly unpriced: readonly string[];
}

export function duplicateSavings(
  notSent: readonly NotSentRequests[],
  outputTokens: Readonly<Record<Scenario, number>>,
  prices: Readonly<Record<string, Price>>,
): DuplicateSavings {
  const e = estimateCost(
    notSent.map((n) => ({ what: 'reviewed_slices', ...n })),
    outputTokens,
    prices,
  );
  return {
    requests: e.totals.requests,
    promptTokens: e.totals.promptTokens,
    savedUsd: e.totals.costUsd,
    unpriced: e.totals.unpriced,
  };
}

/** Every duplicate not sent so far, from the store in the bookkeeping folder (read only). */
export async function readDuplicateSavings(
  stateDir: string,
  config: Config,
): Promise<DuplicateSavings | undefined> {
  const path = join(stateDir, DUPLICATE_STORE_NAME);
  if (!existsSync(path)) return undefined;
  const store = await openDuplicateStore(path, {
    nearThreshold: 1,
    dryRun: true,
    savedOnly: true,
  }).catch((err: unknown) => {
    // The next conversion moves it aside (and says so): nothing to show until then.
    if (err instanceof BrokenStoreError) return undefined;
    throw err;
  });
  if (store === undefined) return undefined;
  try {
    const rows = store
      .saved()
      .filter((r) => r.scenario === 'scenario1' || r.scenario === 'scenario2')
      .map((r) => ({ ...r, scenario: r.scenario as Scenario }));
    return duplicateSavings(rows, config.estimate.output_tokens, config.prices);
  } finally {
    store.close();
  }
}
