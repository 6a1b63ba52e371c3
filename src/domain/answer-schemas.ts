/**
 * The structure of the model's answer in each scenario, the one the original prompts asked for
 * and the original compiler read. One zod schema per scenario is the truth: the compiler and the
 * poller validate answers with it, and the strict JSON schema sent as `response_format` (so that
 * the model must answer in this structure) is generated from it.
 */
import { z } from 'zod';

export const Scenario1Answer = z.strictObject({
  question: z.string().describe('A question a developer would ask about this function.'),
  answer: z.string().describe('The complete answer, pointing at the code it relies on.'),
  reasoning_trace: z.strictObject({
    steps: z.array(
      z.strictObject({
        step_number: z.number().int(),
        description: z.string(),
        code_reference: z.string().describe('The line or expression this step relies on.'),
        reasoning: z.string(),
      }),
    ),
    conclusion: z.string(),
  }),
  business_rules: z.array(z.string()),
});

export const Scenario2Answer = z.strictObject({
  requirement_analysis: z.strictObject({
    title: z.string(),
    description: z.string(),
    constraints: z.array(z.string()),
  }),
  design_solution: z.strictObject({
    overview: z.string(),
    architecture: z.strictObject({
      components: z.array(z.string()),
      integration_points: z.array(z.string()),
      data_flow: z.string(),
    }),
    implementation_plan: z.array(z.string()),
  }),
  reasoning_trace: z.strictObject({
    analysis_steps: z.array(
      z.strictObject({
        step: z.number().int(),
        existing_pattern_analysis: z.string(),
        requirement_mapping: z.string(),
        decision_factors: z.array(z.string()),
      }),
    ),
    design_rationale: z.string(),
  }),
});

export type Scenario1AnswerT = z.infer<typeof Scenario1Answer>;
export type Scenario2AnswerT = z.infer<typeof Scenario2Answer>;

export const SCENARIOS = ['scenario1', 'scenario2'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const ANSWER_SCHEMAS = { scenario1: Scenario1Answer, scenario2: Scenario2Answer } as const;

type JsonObject = { [key: string]: unknown };

/** Removes what OpenAI's strict mode does not need or accept: `$schema`, integer range bounds. */
function forStrictMode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forStrictMode);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$schema') continue;
    if ((k === 'minimum' || k === 'maximum') && Math.abs(v as number) === Number.MAX_SAFE_INTEGER) {
      continue;
    }
    out[k] = forStrictMode(v);
  }
  return out;
}

/** The JSON schema of a scenario's answer, in the form strict structured outputs accept. */
export function answerJsonSchema(scenario: Scenario): JsonObject {
  return forStrictMode(z.toJSONSchema(ANSWER_SCHEMAS[scenario])) as JsonObject;
}
