/**
 * Training-example context length of the models OpenAI fine-tunes, in tokens: an example longer
 * than this is truncated in training. From OpenAI's fine-tuning guide and model pages
 * (gpt-4o-mini-2024-07-18 and gpt-4o-2024-08-06: "training example context length 65,536";
 * gpt-3.5-turbo-0125/1106: 16,385, as the cookbook's data-preparation notebook checks;
 * gpt-3.5-turbo-0613: 4,096). A model not listed needs `compile.max_example_tokens`.
 */
export const EXAMPLE_TOKEN_LIMITS: Readonly<Record<string, number>> = {
  'gpt-4o-mini-2024-07-18': 65_536,
  'gpt-4o-2024-08-06': 65_536,
  'gpt-4-0613': 8_192,
  'gpt-3.5-turbo-0125': 16_385,
  'gpt-3.5-turbo-1106': 16_385,
  'gpt-3.5-turbo-0613': 4_096,
};

export const DEFAULT_FINE_TUNING_MODEL = 'gpt-4o-mini-2024-07-18';

/** The limit for `model`: the configured one, else the table's; undefined when neither. */
export function exampleTokenLimit(model: string, configured?: number): number | undefined {
  return configured ?? EXAMPLE_TOKEN_LIMITS[model];
}
