/**
 * The emulator's model: a well-formed chat completion for a /v1/chat/completions body, derived
 * from the custom_id so that runs repeat exactly. Its content follows the request's
 * `response_format` JSON schema when it has one; for our scenarios (custom_id `scenario1_...` /
 * `scenario2_...`) it is the scenario's answer structure whatever the format; otherwise plain
 * text; a scenario 1 answer quotes the request's code (grounded-answer.ts). Usage counts the prompt and the answer with the model's tokenizer.
 */
import { answerJsonSchema } from '../domain/answer-schemas.ts';
import { encodingForModel, type TokenCounter, type EncodingName } from '../domain/token-counter.ts';
import { parseCustomId } from '../domain/custom-id.ts';
import { completionId, unitHash } from './ids.ts';
import { valueFromSchema } from './json-from-schema.ts';
import { groundedAnswer } from './grounded-answer.ts';
import { userPromptOf } from '../domain/prompt-code.ts';
import { isReasoningModel, snapshotOf } from './model-snapshots.ts';

export interface ChatMessageIn {
  readonly role: string;
  readonly content: unknown;
}

export interface ChatBody {
  readonly model: string;
  readonly messages: readonly ChatMessageIn[];
  readonly response_format?: { type?: string; json_schema?: { schema?: unknown } };
  readonly max_completion_tokens?: number;
  readonly reasoning_effort?: string;
}

export interface ChatCompletion {
  readonly id: string;
  readonly object: 'chat.completion';
  readonly created: number;
  readonly model: string;
  readonly choices: {
    index: number;
    message: { role: 'assistant'; content: string; refusal: null; annotations: [] };
    logprobs: null;
    finish_reason: 'stop' | 'length';
  }[];
  readonly usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
    completion_tokens_details: {
      reasoning_tokens: number;
      audio_tokens: number;
      accepted_prediction_tokens: number;
      rejected_prediction_tokens: number;
    };
  };
  readonly service_tier: 'default';
  readonly system_fingerprint: string;
}

export { promptTokensOfBody } from '../domain/request-tokens.ts';

/**
 * The prompt tokens a cache would serve: prompts of 1,024 tokens or more have their shared
 * prefix (here the system message) cached in steps of 128 tokens, as the real API reports.
 */
export function cachedTokensOf(
  body: ChatBody,
  promptTokens: number,
  counterFor: (e: EncodingName) => TokenCounter,
): number {
  if (promptTokens < 1024) return 0;
  const system = body.messages.find((m) => m.role === 'system' || m.role === 'developer');
  if (system === undefined || typeof system.content !== 'string') return 0;
  const prefix = counterFor(encodingForModel(body.model)).count(system.content);
  return Math.min(promptTokens, Math.floor(prefix / 128) * 128);
}

export interface RespondOptions {
  readonly seed: number;
  readonly createdSeconds: number;
  /** A completion whose content is cut short and is not valid JSON (fault). */
  readonly invalidJson?: boolean;
  readonly promptTokens: number;
  /**
   * Reasoning used the whole budget (fault): empty content, `finish_reason: "length"`, every
   * completion token a reasoning token (billed).
   */
  readonly reasoningExhausted?: boolean;
  /** A scenario 1 answer quotes a line and a name its code does not have (fault). */
  readonly ungrounded?: boolean;
  /** Prompt tokens the cache served (the system prompt's share, in steps of 128 from 1,024). */
  readonly cachedTokens?: number;
}

/** Reasoning tokens a reasoning model spends before answering, by effort (deterministic). */
const REASONING_TOKENS: Readonly<Record<string, number>> = {
  minimal: 0,
  low: 64,
  medium: 256,
  high: 1024,
};

/**
 * The answer's text: JSON in the request's schema, or in its scenario's answer structure, a
 * JSON object, or plain text; a scenario 1 answer quotes the request's code (grounded-answer.ts).
 */
function answerContent(customId: string, body: ChatBody, options: RespondOptions): string {
  const seed = Math.floor(unitHash(options.seed, 'respond', customId) * 2 ** 31);
  const { scenario } = parseCustomId(customId);
  const format = body.response_format?.type;
  const quoting = (value: unknown): unknown =>
    scenario === 'scenario1'
      ? groundedAnswer(value, userPromptOf(body), seed, options.ungrounded === true)
      : value;
  if (format === 'json_schema' && body.response_format?.json_schema?.schema !== undefined) {
    return JSON.stringify(quoting(valueFromSchema(body.response_format.json_schema.schema, seed)));
  }
  if (scenario !== undefined) {
    return JSON.stringify(quoting(valueFromSchema(answerJsonSchema(scenario), seed)));
  }
  if (format === 'json_object')
    return JSON.stringify({ answer: `Emulated answer to ${customId}.` });
  return `Emulated answer to ${customId}.`;
}

export function respond(
  customId: string,
  body: ChatBody,
  counterFor: (e: EncodingName) => TokenCounter,
  options: RespondOptions,
): ChatCompletion {
  let content = answerContent(customId, body, options);
  let finish: 'stop' | 'length' = 'stop';
  if (options.invalidJson) {
    // As when the model runs out of tokens mid-answer.
    content = content.slice(0, Math.max(1, Math.floor(content.length * 0.6)));
    finish = 'length';
  }
  const budget = body.max_completion_tokens ?? 4096;
  let reasoning = isReasoningModel(body.model)
    ? Math.min(REASONING_TOKENS[body.reasoning_effort ?? 'medium'] ?? 256, budget)
    : 0;
  let completion = reasoning + counterFor(encodingForModel(body.model)).count(content);
  if (options.reasoningExhausted) {
    content = '';
    finish = 'length';
    reasoning = budget;
    completion = budget;
  }
  const cached = Math.min(options.cachedTokens ?? 0, options.promptTokens);
  return {
    // Unique, as the real API's (ids.ts); everything else in the answer is the seed's.
    id: completionId(),
    object: 'chat.completion',
    created: options.createdSeconds,
    model: snapshotOf(body.model),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: finish,
      },
    ],
    usage: {
      prompt_tokens: options.promptTokens,
      completion_tokens: completion,
      total_tokens: options.promptTokens + completion,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: reasoning,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_emulator',
  };
}
