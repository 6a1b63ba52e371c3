/**
 * The most completion tokens a model writes (OpenAI's model pages), and the API's answer to a
 * request that asks for more: a 400 for each request, "max_tokens is too large: 32000. This
 * model supports at most 16384 completion tokens, whereas you provided 32000."
 * (https://github.com/enoch3712/ExtractThinker/issues/346, gpt-4o;
 * https://github.com/ChatGPTNextWeb/NextChat/issues/3195: `param: "max_tokens"`, `code: null`).
 * A model not listed (a fine-tune, another server's) has no known limit. Pure.
 */
const OUTPUT_LIMITS: readonly (readonly [RegExp, number])[] = [
  [/^gpt-4o-2024-05-13$/, 4_096],
  [/^(gpt-4o|chatgpt-4o)/, 16_384],
  [/^gpt-4\.1/, 32_768],
  [/^gpt-5/, 128_000],
  [/^o\d/, 100_000],
  [/^gpt-3\.5-turbo/, 4_096],
  [/^gpt-4-(turbo|\d{4}-preview)/, 4_096],
  [/^gpt-4($|-\d{4}$)/, 8_192],
];

/** The most completion tokens `model` writes, or undefined when not known. */
export function outputLimitOf(model: string): number | undefined {
  return OUTPUT_LIMITS.find(([re]) => re.test(model))?.[1];
}

/** The API's words for a budget over the model's limit. */
export function tooLargeMessage(asked: number, limit: number): string {
  return `max_tokens is too large: ${asked}. This model supports at most ${limit} completion tokens, whereas you provided ${asked}.`;
}
