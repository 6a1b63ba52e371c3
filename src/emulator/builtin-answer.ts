/**
 * How the emulator's own model answers one request of a batch, given the request's fault
 * decision (faults.ts): an HTTP error line (`error_4xx`), an `error` object (`error_object`), or
 * a completion (chat completions, or a Response object on `/v1/responses`), cut short, ungrounded
 * or with its reasoning budget spent when the fault says so. Pure: the result files are written
 * by the runner.
 */
import type { EncodingName, TokenCounter } from '../domain/token-counter.ts';
import { REQUEST_OUTCOMES, type RequestFaultDecision } from './faults.ts';
import type { ParsedLine } from './request-lines.ts';
import { chatBodyOfResponses, responsesObject } from './responses-object.ts';
import { cachedTokensOf, promptTokensOfBody, respond, type ChatCompletion } from './responder.ts';
import { filteredChat, filteredResponse, type FilteredKind } from './filtered-answers.ts';
import { refusedParamBody } from './refused-params.ts';

export type BuiltInAnswer =
  | { readonly kind: 'success'; readonly completion: ChatCompletion; readonly body: unknown }
  | {
      readonly kind: 'http_error';
      readonly status: number;
      readonly body: unknown;
      /** Counted as completed, with an empty request id (`status_zero`). */
      readonly silent?: boolean;
    }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

export interface BuiltInAnswerContext {
  readonly seed: number;
  readonly createdSeconds: number;
  readonly counterFor: (e: EncodingName) => TokenCounter;
  /** The batch's endpoint: `/v1/responses` lines are answered with Response objects. */
  readonly endpoint?: string | undefined;
}

export function builtInAnswer(
  line: ParsedLine,
  decision: RequestFaultDecision,
  ctx: BuiltInAnswerContext,
): BuiltInAnswer {
  // The real API refuses such a request whatever else happens (refused-params.ts).
  const refused = refusedParamBody(line.body);
  if (refused !== undefined) return { kind: 'http_error', status: 400, body: refused };
  switch (decision.outcome) {
    case REQUEST_OUTCOMES.error_4xx:
      return {
        kind: 'http_error',
        status: decision.status ?? 400,
        body: {
          error: {
            message: `(emulated fault) Invalid request for ${line.customId}.`,
            type: 'invalid_request_error',
            param: null,
            code: decision.code ?? null,
          },
        },
      };
    case REQUEST_OUTCOMES.status_zero:
      return { kind: 'http_error', status: 0, body: {}, silent: true };
    case REQUEST_OUTCOMES.error_object:
      return {
        kind: 'error',
        code: decision.code ?? 'server_error',
        message: '(emulated fault) The server had an error while processing this request.',
      };
    default:
      return completed(line, decision, ctx);
  }
}

function completed(
  line: ParsedLine,
  decision: RequestFaultDecision,
  ctx: BuiltInAnswerContext,
): BuiltInAnswer {
  const responses = ctx.endpoint === '/v1/responses';
  const body = responses ? chatBodyOfResponses(line.body) : line.body;
  // Counted on the body as sent (a Responses body's schema is `text.format`).
  const promptTokens = promptTokensOfBody(line.body, ctx.counterFor);
  const completion = respond(line.customId, body, ctx.counterFor, {
    seed: ctx.seed,
    createdSeconds: ctx.createdSeconds,
    invalidJson: decision.outcome === REQUEST_OUTCOMES.invalid_json,
    ungrounded: decision.outcome === REQUEST_OUTCOMES.ungrounded,
    reasoningExhausted:
      decision.outcome === REQUEST_OUTCOMES.reasoning_length &&
      (decision.minBudget === undefined || (body.max_completion_tokens ?? 0) < decision.minBudget),
    promptTokens,
    cachedTokens: cachedTokensOf(body, promptTokens, ctx.counterFor),
  });
  const filtered = FILTERED[decision.outcome];
  if (filtered !== undefined) {
    const body = responses
      ? filteredResponse(responsesObject(line.customId, line.body, completion), filtered)
      : filteredChat(completion, filtered);
    return { kind: 'success', completion, body };
  }
  return {
    kind: 'success',
    completion,
    body: responses ? responsesObject(line.customId, line.body, completion) : completion,
  };
}

/** The outcomes where the model does not answer (filtered-answers.ts). */
const FILTERED: Partial<Record<number, FilteredKind>> = {
  [REQUEST_OUTCOMES.content_filter]: 'content_filter',
  [REQUEST_OUTCOMES.refusal]: 'refusal',
};
