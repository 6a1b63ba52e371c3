/**
 * The `compile` section of config.json: the dataset's format, split and seed, the sets kept,
 * Parquet, the card's license, and the chat format's fine-tuning checks (a model whose
 * training-example limit is not known needs compile.max_example_tokens).
 */
import { z } from 'zod';
import { DATASET_FORMATS } from '../domain/dataset-formats.ts';
import {
  DEFAULT_FINE_TUNING_MODEL,
  EXAMPLE_TOKEN_LIMITS,
  exampleTokenLimit,
} from '../domain/fine-tuning-limits.ts';
import { unset } from './schema-parts.ts';

export const Compile = z
  .strictObject({
    format: z.enum(DATASET_FORMATS).default('alpaca'),
    train_ratio: z.number().gt(0).lt(1).default(0.8),
    seed: z.number().int().default(42),
    keep_sets: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe(
        'The daemon keeps the newest this many compiled sets in 5.final_output and removes older ones (slicebatch compile removes nothing).',
      ),
    parquet: z
      .union([z.boolean(), z.array(z.enum(['train', 'validation'])).min(1)])
      .default(false)
      .describe(
        'Parquet copies of the splits in the Hugging Face folder (hf_dataset_<ts>/data/): true for both, false for none, or a list of "train", "validation".',
      ),
    license: z
      .string()
      .min(1)
      .default('unknown')
      .describe(
        'The license of the dataset, named in its card (a Hugging Face license id: mit, apache-2.0, cc-by-4.0, other, ...).',
      ),
    fine_tuning_model: z
      .string()
      .min(1)
      .default(DEFAULT_FINE_TUNING_MODEL)
      .describe(
        `The chat format: the model to be fine-tuned, whose training-example limit the examples are checked against (known: ${Object.keys(EXAMPLE_TOKEN_LIMITS).join(', ')}).`,
      ),
    max_example_tokens: unset(z.number().int().positive()).describe(
      'The chat format: tokens per example above which it is left out (reported as over_token_limit); default the limit of compile.fine_tuning_model.',
    ),
  })
  .superRefine((compile, ctx) => {
    if (
      compile.format === 'chat' &&
      exampleTokenLimit(compile.fine_tuning_model, compile.max_example_tokens) === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_example_tokens'],
        message: `the training-example limit of "${compile.fine_tuning_model}" is not known: set compile.max_example_tokens`,
      });
    }
  })
  .prefault({});
