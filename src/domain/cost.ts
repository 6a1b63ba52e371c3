/**
 * Batch-price cost: USD per 1M tokens from configuration, by model (an exact name, else the
 * longest configured name that a dated snapshot starts with: `gpt-4o-mini-2024-07-18` →
 * `gpt-4o-mini`). Pure.
 */

export interface Price {
  readonly input: number;
  readonly output: number;
  /** Prompt tokens served from the cache (`usage.input_tokens_details.cached_tokens`). */
  readonly cached_input?: number | undefined;
}

export function priceFor(
  model: string,
  prices: Readonly<Record<string, Price>>,
): Price | undefined {
  const exact = prices[model];
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const name of Object.keys(prices)) {
    if (model.startsWith(`${name}-`) && (best === undefined || name.length > best.length))
      best = name;
  }
  return best === undefined ? undefined : prices[best];
}

/**
 * Output tokens include reasoning tokens (billed as output); `cachedTokens` of the input tokens
 * are billed at the cached price (the input price when none is set).
 */
export function costUsd(
  price: Price,
  inputTokens: number,
  outputTokens: number,
  cachedTokens = 0,
): number {
  const cached = Math.min(Math.max(0, cachedTokens), inputTokens);
  return (
    ((inputTokens - cached) * price.input +
      cached * (price.cached_input ?? price.input) +
      outputTokens * price.output) /
    1_000_000
  );
}
