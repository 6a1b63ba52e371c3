/**
 * The `scenarios` section of config.json: per scenario its provider, model, prompts (templates
 * with their placeholders checked), response format, endpoint, reasoning options and output
 * budget; scenario 2 adds the new requirements a class is given.
 */
import { z } from 'zod';
import {
  SCENARIO1_FOCUS,
  SCENARIO1_PROMPT_TEMPLATE,
  SCENARIO1_SYSTEM_PROMPT,
  SCENARIO2_PROMPT_TEMPLATE,
  SCENARIO2_REQUIREMENTS,
  SCENARIO2_SYSTEM_PROMPT,
} from '../domain/default-prompts.ts';
import { placeholdersOf } from '../domain/prompt-template.ts';
import { SCENARIO1_PLACEHOLDERS, SCENARIO2_PLACEHOLDERS } from '../domain/slice-fields.ts';
import { ScenarioProvider } from './provider-schema.ts';
import { unset } from './schema-parts.ts';

const template = (allowed: readonly string[]) =>
  z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      for (const name of placeholdersOf(text)) {
        if (!allowed.includes(name)) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown placeholder {{${name}}}; known: ${allowed.join(', ')}`,
          });
        }
      }
    });

const ResponseFormat = z
  .enum(['json_schema', 'json_object', 'text'])
  .describe(
    'json_schema: a strict schema the model must follow (default); json_object: any JSON; text: no constraint.',
  );

const scenarioCommon = {
  provider: ScenarioProvider,
  model: unset(z.string().min(1)).describe(
    'Model of this scenario; the top-level `model` when unset.',
  ),
  system_prompt: z.string().min(1),
  response_format: ResponseFormat.default('json_schema'),
  temperature: unset(z.number().min(0).max(2)).describe(
    'Omitted from requests when absent (the model default); reasoning models accept only 1.',
  ),
  endpoint: z
    .enum(['chat', 'responses'])
    .default('chat')
    .describe(
      'The batch endpoint of this scenario: chat (/v1/chat/completions) or responses (/v1/responses).',
    ),
  reasoning_summary: unset(z.enum(['auto', 'concise', 'detailed'])).describe(
    'responses endpoint, reasoning models: ask for a summary of the reasoning; the compiler keeps it in the record metadata (reasoning_summary).',
  ),
  reasoning_effort: unset(z.enum(['minimal', 'low', 'medium', 'high'])).describe(
    'Reasoning models (gpt-5 family, o-series): how much they reason before answering; omitted when unset (the model default).',
  ),
};

export const Scenario1 = z.strictObject({
  ...scenarioCommon,
  system_prompt: scenarioCommon.system_prompt.default(SCENARIO1_SYSTEM_PROMPT),
  prompt_template: template(SCENARIO1_PLACEHOLDERS).default(SCENARIO1_PROMPT_TEMPLATE),
  focus: z
    .strictObject({
      simple: z.string().min(1).default(SCENARIO1_FOCUS.simple),
      medium: z.string().min(1).default(SCENARIO1_FOCUS.medium),
      complex: z.string().min(1).default(SCENARIO1_FOCUS.complex),
    })
    .prefault({})
    .describe('The {{focus}} text, by the slice complexity.'),
  max_completion_tokens: z.number().int().positive().default(2000),
});

const RequirementSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().min(1),
  constraints: z.array(z.string().min(1)),
});

export const Scenario2 = z.strictObject({
  ...scenarioCommon,
  system_prompt: scenarioCommon.system_prompt.default(SCENARIO2_SYSTEM_PROMPT),
  prompt_template: template(SCENARIO2_PLACEHOLDERS).default(SCENARIO2_PROMPT_TEMPLATE),
  requirements: z
    .array(RequirementSchema)
    .min(1)
    .default(SCENARIO2_REQUIREMENTS.map((r) => ({ ...r, constraints: [...r.constraints] })))
    .describe('New requirements; each class gets one, chosen from its slice id.'),
  max_completion_tokens: z.number().int().positive().default(3000),
});
