/**
 * Where an OpenAI-shaped provider (OpenAI, Azure OpenAI, a compatible server) differs from
 * OpenAI in the calls the adapter makes: the completion window, the expiries it accepts (a
 * requested expiry is clamped into them, `clampedExpiry`, pure), how request lines are
 * rewritten on their way up, and how it names the batch endpoint.
 */
import type { LineRewrite } from './request-lines.ts';

/** Where an OpenAI-shaped provider differs from OpenAI in the calls this adapter makes. */
export interface Dialect {
  /** Sent with every batch. */
  readonly completionWindow: string;
  /** The `expires_after` seconds the provider accepts (clamped into), or null: never sent. */
  readonly fileExpiry: { readonly minS: number; readonly maxS: number } | null;
  /** The `output_expires_after` seconds the provider accepts, or null: never sent. */
  readonly outputExpiry: { readonly minS: number; readonly maxS: number } | null;
  /** How request lines are rewritten on their way up. */
  readonly lines: LineRewrite;
  /** The batch endpoint as the provider names it (ours: `/v1/chat/completions`). */
  readonly endpoint: (endpoint: string) => string;
}

const DAY_S = 86_400;
export const OPENAI_DIALECT: Dialect = {
  completionWindow: '24h',
  fileExpiry: { minS: 3600, maxS: 30 * DAY_S },
  outputExpiry: { minS: 3600, maxS: 30 * DAY_S },
  lines: {},
  endpoint: (e) => e,
};

export function clampedExpiry(
  seconds: number | undefined,
  range: { readonly minS: number; readonly maxS: number } | null,
): number | undefined {
  if (seconds === undefined || range === null) return undefined;
  return Math.min(range.maxS, Math.max(range.minS, seconds));
}
