/**
 * Slice → one Batch API request line, per scenario. Pure.
 *
 * Everything that does not depend on the slice is prepared once: the JSON text around the user
 * message, and the texts whose tokens every request shares (system prompt, fixed template
 * segments, response schema), counted once. Per slice only the variable segments are rendered
 * and JSON-escaped; they are returned so that their tokens can be counted (in another thread).
 */
import type { ScenarioConfig } from '../config/schema.ts';
import type { ClassSlice, FunctionSlice } from '../domain/slice-schema.ts';
import { buildCustomId } from '../domain/custom-id.ts';
import { ByteSink } from '../storage/byte-sink.ts';
import {
  parseTemplate,
  placeholdersOf,
  renderParts,
  segmentTemplate,
} from '../domain/prompt-template.ts';
import { answerJsonSchema, type Scenario } from '../domain/answer-schemas.ts';
import { createSliceValues, type Requirement } from '../domain/slice-fields.ts';
import type { TextTokenCounter } from './helper-thread-client.ts';
import { encodingForModel, type TokenCounter } from '../domain/token-counter.ts';
import { createSegmentMemo, escapedText } from './segment-memo.ts';

export const BATCH_ENDPOINT = '/v1/chat/completions';
export const RESPONSES_ENDPOINT = '/v1/responses';

/** The batch endpoint (the request lines' `url`) of a scenario's `endpoint` setting. */
export function endpointUrl(endpoint: 'chat' | 'responses'): string {
  return endpoint === 'responses' ? RESPONSES_ENDPOINT : BATCH_ENDPOINT;
}

/** A request line, with what its prompt tokens depend on besides the fixed part. */
export interface RenderedRequest {
  readonly customId: string;
  /** The JSON line, with its newline. */
  readonly line: string;
  /** Texts whose token counts, plus the template's fixed tokens, are the prompt tokens. */
  readonly variableTexts: readonly string[];
  /** The largest number of completion tokens the request may use. */
  readonly maxCompletionTokens: number;
}

/** What is left to know of a request once its line is encoded. */
export interface EncodedRequestInfo {
  readonly customId: string;
  readonly variableTexts: readonly string[];
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
  readonly reasoningEffort?: 'minimal' | 'low' | 'medium' | 'high' | undefined;
  /** chat (default): /v1/chat/completions; responses: /v1/responses. */
  readonly endpoint?: 'chat' | 'responses' | undefined;
  /** responses: ask for a reasoning summary. */
  readonly reasoningSummary?: 'auto' | 'concise' | 'detailed' | undefined;
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
    reasoningEffort: cfg.reasoning_effort,
    endpoint: cfg.endpoint,
    reasoningSummary: cfg.reasoning_summary,
  };
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

/**
 * The Responses API's `text.format` of a scenario (absent for plain text): the chat format with
 * its `json_schema` members one level up.
 */
export function textFormatOf(spec: ScenarioRequestSpec): Record<string, unknown> | undefined {
  const format = responseFormatOf(spec);
  if (format?.type !== 'json_schema') return format;
  return { type: 'json_schema', ...(format.json_schema as Record<string, unknown>) };
}

/** The JSON text after the user prompt, up to the end of the line. */
function bodyTail(spec: ScenarioRequestSpec): string {
  if (spec.endpoint === 'responses') {
    let tail = `","max_output_tokens":${spec.maxCompletionTokens}`;
    if (spec.temperature !== undefined) tail += `,"temperature":${spec.temperature}`;
    if (spec.reasoningEffort !== undefined || spec.reasoningSummary !== undefined) {
      tail += `,"reasoning":${JSON.stringify({
        ...(spec.reasoningEffort === undefined ? {} : { effort: spec.reasoningEffort }),
        ...(spec.reasoningSummary === undefined ? {} : { summary: spec.reasoningSummary }),
      })}`;
    }
    const format = textFormatOf(spec);
    if (format !== undefined) tail += `,"text":${JSON.stringify({ format })}`;
    return `${tail}}}\n`;
  }
  let tail = `"}],"max_completion_tokens":${spec.maxCompletionTokens}`;
  if (spec.temperature !== undefined) tail += `,"temperature":${spec.temperature}`;
  if (spec.reasoningEffort !== undefined)
    tail += `,"reasoning_effort":${JSON.stringify(spec.reasoningEffort)}`;
  const responseFormat = responseFormatOf(spec);
  if (responseFormat !== undefined) tail += `,"response_format":${JSON.stringify(responseFormat)}`;
  return `${tail}}}\n`;
}

export interface RequestBuilder {
  readonly spec: ScenarioRequestSpec;
  /** Texts every request of this scenario has, whatever the slice: counted once. */
  readonly fixedTexts: readonly string[];
  /** Chat messages per request (their framing is counted once too). */
  readonly messages: number;
  /** A slice's placeholder values, only those the template reads. */
  readonly sliceValues: ReturnType<typeof createSliceValues>;
  /** Encodes the request line (UTF-8, with its newline) into `sink`. */
  encodeInto(
    sink: ByteSink,
    customId: string,
    values: Readonly<Record<string, string>>,
  ): EncodedRequestInfo;
  /** The same request as a string (tests, small jobs). */
  render(customId: string, values: Readonly<Record<string, string>>): RenderedRequest;
}

const escaped = escapedText;

export function createRequestBuilder(spec: ScenarioRequestSpec): RequestBuilder {
  const segments = segmentTemplate(parseTemplate(spec.promptTemplate));
  const responses = spec.endpoint === 'responses';
  const fixedTexts = [spec.systemPrompt];
  for (const s of segments) if (s.kind === 'fixed') fixedTexts.push(s.text);
  // The API turns a response schema into prompt text in a way it does not publish; we count the
  // schema's JSON, a stable estimate of the same order, the same for every request.
  if (spec.responseFormat === 'json_schema') {
    fixedTexts.push(JSON.stringify(responses ? textFormatOf(spec) : responseFormatOf(spec)));
  }

  // Everything constant is encoded once; per request only the custom_id and the variable
  // segments are escaped and encoded, the rest is copied.
  const head = Buffer.from('{"custom_id":');
  const mid = Buffer.from(
    responses
      ? `,"method":"POST","url":${JSON.stringify(RESPONSES_ENDPOINT)},"body":{"model":${JSON.stringify(spec.model)},` +
          `"instructions":${JSON.stringify(spec.systemPrompt)},"input":"`
      : `,"method":"POST","url":${JSON.stringify(BATCH_ENDPOINT)},"body":{"model":${JSON.stringify(spec.model)},` +
          `"messages":[{"role":"system","content":${JSON.stringify(spec.systemPrompt)}},{"role":"user","content":"`,
  );
  const tail = Buffer.from(bodyTail(spec));
  const pieces = segments.map((s) =>
    s.kind === 'fixed'
      ? { fixed: Buffer.from(escaped(s.text)) }
      : { parts: s.parts, memo: createSegmentMemo(s.parts) },
  );

  const encodeInto = (
    sink: ByteSink,
    customId: string,
    values: Readonly<Record<string, string>>,
  ): EncodedRequestInfo => {
    const variableTexts: string[] = [];
    sink.writeBytes(head);
    sink.writeString(JSON.stringify(customId));
    sink.writeBytes(mid);
    for (const p of pieces) {
      if (p.fixed !== undefined) {
        sink.writeBytes(p.fixed);
      } else {
        // A one-placeholder segment with a value met before: its text and bytes as they were.
        const kept = p.memo?.get(values);
        if (kept !== undefined) {
          variableTexts.push(kept.text);
          sink.writeBytes(kept.bytes);
          continue;
        }
        const text = renderParts(p.parts, values);
        variableTexts.push(text);
        sink.writeString(escaped(text));
      }
    }
    sink.writeBytes(tail);
    return { customId, variableTexts, maxCompletionTokens: spec.maxCompletionTokens };
  };

  return {
    spec,
    fixedTexts,
    messages: 2,
    sliceValues: createSliceValues(new Set(placeholdersOf(spec.promptTemplate))),
    encodeInto,
    render(customId, values) {
      const sink = new ByteSink(4096);
      const info = encodeInto(sink, customId, values);
      return { ...info, line: sink.bytes.toString('utf8') };
    },
  };
}

/** The tokens every request of a builder has (framing, system prompt, fixed text, schema). */
export async function fixedPromptTokens(
  builder: RequestBuilder,
  counter: TextTokenCounter,
): Promise<number> {
  const encoding = encodingForModel(builder.spec.model);
  const counts = await counter.countTexts(encoding, builder.fixedTexts);
  return (
    (await counter.framingTokens(encoding, builder.messages)) + counts.reduce((a, b) => a + b, 0)
  );
}

/** Prompt tokens of one request with a synchronous counter (tests, estimates). */
export function promptTokensOf(
  builder: RequestBuilder,
  request: RenderedRequest,
  counter: TokenCounter,
): number {
  let n = counter.chatFramingTokens(builder.messages);
  for (const t of builder.fixedTexts) n += counter.count(t);
  for (const t of request.variableTexts) n += counter.count(t);
  return n;
}

export interface ScenarioBuilders {
  readonly scenario1: RequestBuilder;
  readonly scenario2: RequestBuilder;
  readonly focus: Readonly<Record<FunctionSlice['complexity'], string>>;
  readonly requirements: readonly Requirement[];
}

/** The scenario of a slice (domain/custom-id.ts; here for convert's own modules). */
export { scenarioOf } from '../domain/custom-id.ts';

/** Encodes the request of a slice in its scenario into `sink`. */
export function encodeSliceRequest(
  builders: ScenarioBuilders,
  sink: ByteSink,
  slice: FunctionSlice | ClassSlice,
  repo: string,
  attempt = 1,
): EncodedRequestInfo {
  if (slice.type === 'function') {
    const values = builders.scenario1.sliceValues.scenario1(slice, repo, builders.focus);
    return builders.scenario1.encodeInto(
      sink,
      buildCustomId('scenario1', slice.id, attempt),
      values,
    );
  }
  const values = builders.scenario2.sliceValues.scenario2(slice, repo, builders.requirements);
  return builders.scenario2.encodeInto(sink, buildCustomId('scenario2', slice.id, attempt), values);
}
