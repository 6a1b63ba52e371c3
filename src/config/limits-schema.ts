/**
 * The `limits` and `prices` sections of config.json, with their defaults: how batch input files
 * are split (requests, bytes, tokens), the enqueued-token and spending caps, and the batch
 * prices by model.
 */
import { z } from 'zod';
import { ANTHROPIC_BATCH_PRICES } from '../domain/anthropic-prices.ts';
import { unset } from './schema-parts.ts';

/** Batch prices in USD per 1M tokens (half the standard price). */
export const DEFAULT_PRICES = {
  'gpt-4o-mini': { input: 0.075, cached_input: 0.0375, output: 0.3 },
  'gpt-4.1-mini': { input: 0.2, cached_input: 0.05, output: 0.8 },
  'gpt-5-mini': { input: 0.125, cached_input: 0.0125, output: 1.0 },
  ...ANTHROPIC_BATCH_PRICES,
} as const;

export const DEFAULT_MODEL = 'gpt-4o-mini';

/** The most requests and bytes the Batch API accepts in one input file. */
export const API_MAX_REQUESTS_PER_FILE = 50_000;
export const API_MAX_BYTES_PER_FILE = 200 * 1024 * 1024;
/** The most any provider takes (Azure OpenAI); each provider's own limit is checked too. */
const PROVIDER_MAX_REQUESTS_PER_FILE = 100_000;

export const Price = z.strictObject({
  input: z.number().nonnegative().describe('USD per 1M prompt tokens, batch price'),
  cached_input: z
    .number()
    .nonnegative()
    .optional()
    .describe(
      'USD per 1M prompt tokens served from the cache (usage cached_tokens), batch price; the input price when unset',
    ),
  output: z.number().nonnegative().describe('USD per 1M completion tokens, batch price'),
});

export const Limits = z.strictObject({
  max_requests_per_file: z
    .number()
    .int()
    .min(1)
    .max(PROVIDER_MAX_REQUESTS_PER_FILE)
    .default(API_MAX_REQUESTS_PER_FILE)
    .describe(
      "Split batch input files beyond this many requests (at most the provider's limit: 50000 on OpenAI, 100000 on Azure).",
    ),
  max_bytes_per_file: z
    .number()
    .int()
    .min(1024)
    .max(API_MAX_BYTES_PER_FILE)
    .default(190_000_000)
    .describe('Split batch input files beyond this many bytes.'),
  max_tokens_per_file: unset(z.number().int().positive()).describe(
    'Split batch input files beyond this many prompt tokens (also capped by enqueued_tokens of the model).',
  ),
  enqueued_tokens: unset(z.record(z.string().min(1), z.number().int().positive())).describe(
    'Per model: prompt tokens of unfinished batches never exceed this.',
  ),
  max_cost_usd: unset(z.number().positive()).describe(
    'Stop submitting once the estimated spend would pass this.',
  ),
  max_scenario1: unset(z.number().int().nonnegative()).describe(
    'Convert at most the first N functions.',
  ),
  max_scenario2: unset(z.number().int().nonnegative()).describe(
    'Convert at most the first N classes.',
  ),
});
