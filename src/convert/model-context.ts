/**
 * How many tokens a model's context holds (prompt and completion together), and the cheap
 * estimate that lets a slice far over it be rejected before its tokens are counted. Pure.
 *
 * Figures from the providers' model pages; a model not listed gets DEFAULT_CONTEXT_TOKENS.
 */

const CONTEXTS: readonly (readonly [RegExp, number])[] = [
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-5/, 400_000],
  [/^o1-(mini|preview)/, 128_000],
  [/^(o1|o3|o4)/, 200_000],
  [/^(gpt-4o|chatgpt-4o|gpt-4-turbo|gpt-4-\d{4}-preview)/, 128_000],
  [/^gpt-4-32k/, 32_768],
  [/^gpt-4/, 8_192],
  [/^(gpt-3\.5|gpt-35)/, 16_385],
];

export const DEFAULT_CONTEXT_TOKENS = 128_000;

export function contextTokensOf(model: string): number {
  const m = model.toLowerCase();
  for (const [pattern, tokens] of CONTEXTS) if (pattern.test(m)) return tokens;
  return DEFAULT_CONTEXT_TOKENS;
}

/**
 * Characters per token that no real text exceeds by much: code averages 3 to 5 (4.5 bytes a
 * token on the standard-library corpus of `npm run bench`), long indentation runs reach about 8.
 * A slice with more than `context × MAX_CHARS_PER_TOKEN` characters cannot fit, whatever its
 * exact count: it is rejected before counting, which would take time in proportion to it.
 */
export const MAX_CHARS_PER_TOKEN = 8;

export function maxSliceChars(model: string): number {
  return contextTokensOf(model) * MAX_CHARS_PER_TOKEN;
}
