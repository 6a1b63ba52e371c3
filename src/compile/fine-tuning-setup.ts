/** The chat format's fine-tuning checks, set up from the configuration (its token counter). */
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { exampleTokenLimit } from '../domain/fine-tuning-limits.ts';
import { createTokenCounter, encodingForModel } from '../domain/token-counter.ts';
import { createFineTuningChecks, type FineTuningChecks } from './fine-tuning-checks.ts';

/** The chat format's checks, for compile.fine_tuning_model and its limit. */
export async function fineTuningChecks(config: Config): Promise<FineTuningChecks> {
  const model = config.compile.fine_tuning_model;
  const maxTokens = exampleTokenLimit(model, config.compile.max_example_tokens);
  if (maxTokens === undefined) {
    throw new ConfigError(
      `compile.max_example_tokens: the training-example limit of "${model}" (compile.fine_tuning_model) is not known: set it`,
      'compile.max_example_tokens',
    );
  }
  const counter = await createTokenCounter(encodingForModel(model));
  return createFineTuningChecks({ model, maxTokens, counter });
}
