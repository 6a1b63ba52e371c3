/**
 * Slice → one Batch API request line, per scenario. Pure apart from the token counter it is
 * given (a pure function of its input, with a cache).
 *
 * Everything that does not depend on the slice is prepared once: the JSON text around the user
 * message, the token count of the system prompt, of the fixed template segments, of the chat
 * framing and of the response schema. Per slice only the variable segments are rendered,
 * JSON-escaped and counted.
 */
import type { ScenarioConfig } from '../config/schema.ts';
import type { ClassSlice, FunctionSlice } from '../intake/slice-schema.ts';
import { parseTemplate, renderParts, segmentTemplate } from './prompt-template.ts';
import { answerJsonSchema, type Scenario } from './response-schemas.ts';
import { scenario1Values, scenario2Values, type Requirement } from './slice-fields.ts';
import type { TokenCounter } from './token-counter.ts';

export const BATCH_ENDPOINT = '/v1/chat/completions';

export interface BuiltRequest {
  readonly customId: string;
  /** The JSON line, with its newline. */
  readonly line: string;
  readonly bytes: number;
  readonly promptTokens: number;
  /** The largest number of completion tokens the request may use. */
  readonly maxCompletionTokens: number;
}

export interface ScenarioRequestSpec {
  readonly scenario: Scenario;
  readonly model: string;
  readonly systemPrompt: string;
  readonly promptTemplate: string;
  readonly responseFormat: 'json_schema' | 'json_object' | 'text';
  readonly maxCompletionTokens: number;
  readonly temperature?: number | undefined;
}

export function scenarioSpec(
  scenario: Scenario,
  cfg: ScenarioConfig,
  defaultModel: string,
): ScenarioRequestSpec {
  return {
    scenario,
    model: cfg.model ?? defaultModel,
    systemPrompt: cfg.system_prompt,
    promptTemplate: cfg.prompt_template,
    responseFormat: cfg.response_format,
    maxCompletionTokens: cfg.max_completion_tokens,
    temperature: cfg.temperature,
  };
}

/** `scenario1_<id>`; a retry of the same slice adds `__a<attempt>`. */
export function customIdFor(scenario: Scenario, sliceId: string, attempt = 1): string {
  return attempt <= 1 ? `${scenario}_${sliceId}` : `${scenario}_${sliceId}__a${attempt}`;
}

export function responseFormatOf(spec: ScenarioRequestSpec): Record<string, unknown> | undefined {
  switch (spec.responseFormat) {
    case 'json_schema':
      return {
        type: 'json_schema',
        json_schema: {
          name: `${spec.scenario}_answer`,
          strict: true,
          schema: answerJsonSchema(spec.scenario),
        },
      };
    case 'json_object':
      return { type: 'json_object' };
    case 'text':
      return undefined;
  }
}

export interface RequestBuilder {
  readonly spec: ScenarioRequestSpec;
  /** Tokens every request of this scenario has whatever the slice (framing, system, fixed text). */
  readonly fixedPromptTokens: number;
  build(customId: string, values: Readonly<Record<string, string>>): BuiltRequest;
}

export function createRequestBuilder(
  spec: ScenarioRequestSpec,
  counter: TokenCounter,
): RequestBuilder {
  const segments = segmentTemplate(parseTemplate(spec.promptTemplate));
  const responseFormat = responseFormatOf(spec);
  let fixed = counter.chatFramingTokens(2) + counter.count(spec.systemPrompt);
  for (const s of segments) if (s.kind === 'fixed') fixed += counter.count(s.text);
  // The API turns a response schema into prompt text in a way it does not publish; we count the
  // schema's JSON, a stable over-estimate of the same order.
  if (responseFormat !== undefined && spec.responseFormat === 'json_schema') {
    fixed += counter.count(JSON.stringify(responseFormat));
  }

  const head = '{"custom_id":';
  const mid =
    `,"method":"POST","url":${JSON.stringify(BATCH_ENDPOINT)},"body":{"model":${JSON.stringify(spec.model)},` +
    `"messages":[{"role":"system","content":${JSON.stringify(spec.systemPrompt)}},{"role":"user","content":`;
  let tail = `}],"max_completion_tokens":${spec.maxCompletionTokens}`;
  if (spec.temperature !== undefined) tail += `,"temperature":${spec.temperature}`;
  if (responseFormat !== undefined) tail += `,"response_format":${JSON.stringify(responseFormat)}`;
  tail += '}}\n';

  return {
    spec,
    fixedPromptTokens: fixed,
    build(customId, values) {
      let user = '';
      let tokens = fixed;
      for (const s of segments) {
        if (s.kind === 'fixed') {
          user += s.text;
        } else {
          const text = renderParts(s.parts, values);
          user += text;
          tokens += counter.count(text);
        }
      }
      const line = head + JSON.stringify(customId) + mid + JSON.stringify(user) + tail;
      return {
        customId,
        line,
        bytes: Buffer.byteLength(line),
        promptTokens: tokens,
        maxCompletionTokens: spec.maxCompletionTokens,
      };
    },
  };
}

export interface ScenarioBuilders {
  readonly scenario1: RequestBuilder;
  readonly scenario2: RequestBuilder;
  readonly focus: Readonly<Record<FunctionSlice['complexity'], string>>;
  readonly requirements: readonly Requirement[];
}

/** The request of a slice in its scenario (functions → scenario 1, classes → scenario 2). */
export function buildSliceRequest(
  builders: ScenarioBuilders,
  slice: FunctionSlice | ClassSlice,
  repo: string,
  attempt = 1,
): { scenario: Scenario; request: BuiltRequest } {
  if (slice.type === 'function') {
    const values = scenario1Values(slice, repo, builders.focus);
    return {
      scenario: 'scenario1',
      request: builders.scenario1.build(customIdFor('scenario1', slice.id, attempt), values),
    };
  }
  const values = scenario2Values(slice, repo, builders.requirements);
  return {
    scenario: 'scenario2',
    request: builders.scenario2.build(customIdFor('scenario2', slice.id, attempt), values),
  };
}
