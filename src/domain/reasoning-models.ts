/**
 * Reasoning models (the o-series, the gpt-5 family but its `-chat` models) and the sampling
 * parameters they refuse. The real API answers a request that sets one with a 400, one per
 * request in a batch (https://github.com/holoviz/lumen/pull/1087,
 * https://github.com/FungoBungaloid/georefio/pull/45):
 *
 *   temperature, top_p other than 1   400 unsupported_value  "Unsupported value: 'temperature'
 *                                     does not support 0.2 with this model. Only the default (1)
 *                                     value is supported."
 *   max_tokens (chat)                 400 unsupported_parameter  "Unsupported parameter:
 *                                     'max_tokens' is not supported with this model. Use
 *                                     'max_completion_tokens' instead."
 *
 * The config check (config/schema.ts) and the emulator (emulator/refused-params.ts) both ask
 * here. Pure.
 */

/** Models whose completion tokens include reasoning (gpt-5 family, o-series). */
export function isReasoningModel(model: string): boolean {
  return /^(gpt-5|o\d)/.test(model) && !/^gpt-5[\d.]*-chat/.test(model);
}

/** The sampling parameters a reasoning model takes only at their default. */
export const DEFAULT_ONLY_PARAMS = ['temperature', 'top_p'] as const;

/** The API's error for a parameter a model refuses. */
export interface RefusedParam {
  readonly param: string;
  readonly code: 'unsupported_value' | 'unsupported_parameter';
  readonly message: string;
}

/** The API's words for a default-only parameter set to another value. */
export function defaultOnlyMessage(param: string, value: unknown): string {
  return `Unsupported value: '${param}' does not support ${String(value)} with this model. Only the default (1) value is supported.`;
}

/**
 * The first parameter of a request body (chat or Responses) that `model` refuses, as the API
 * words it; undefined when it takes them all.
 */
export function refusedParam(
  model: string,
  body: Readonly<Record<string, unknown>>,
): RefusedParam | undefined {
  if (!isReasoningModel(model)) return undefined;
  for (const param of DEFAULT_ONLY_PARAMS) {
    const value = body[param];
    if (value !== undefined && value !== null && value !== 1) {
      return { param, code: 'unsupported_value', message: defaultOnlyMessage(param, value) };
    }
  }
  if (body['max_tokens'] !== undefined && body['max_tokens'] !== null) {
    return {
      param: 'max_tokens',
      code: 'unsupported_parameter',
      message:
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    };
  }
  return undefined;
}
