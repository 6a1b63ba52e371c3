/**
 * Message Batches prices of Claude models, USD per 1M tokens: half the standard price, as
 * Anthropic's batch processing page lists them (read 2026-11); a cache read at a tenth of the
 * input price. Merged into the built-in table (config `prices` overrides any of them).
 * Haiku 5.5 is priced for prompts up to 100K tokens (slices are far smaller).
 */
export const ANTHROPIC_BATCH_PRICES = {
  'claude-opus-5-5': { input: 2, cached_input: 0.2, output: 10 },
  'claude-sonnet-5-5': { input: 1, cached_input: 0.1, output: 5 },
  'claude-haiku-5-5': { input: 0.05, cached_input: 0.005, output: 0.25 },
  'claude-opus-4-8': { input: 2.5, cached_input: 0.25, output: 12.5 },
  'claude-sonnet-4-6': { input: 1.5, cached_input: 0.15, output: 7.5 },
  'claude-sonnet-4-5': { input: 1.5, cached_input: 0.15, output: 7.5 },
  'claude-haiku-4-5': { input: 0.5, cached_input: 0.05, output: 2.5 },
} as const;
