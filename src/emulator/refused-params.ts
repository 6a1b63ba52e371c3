/**
 * A request whose parameters its model refuses is answered as the real API answers it: a 400
 * `invalid_request_error`, in a batch one error-file line per such request. A default, not a
 * fault: the real API always does it. Pure.
 *
 *   a reasoning model given a `temperature` or `top_p` other than 1, or `max_tokens`
 *     (domain/reasoning-models.ts): `unsupported_value` / `unsupported_parameter`, naming it
 *   a `json_schema` format (chat `response_format`, Responses `text.format`) to a model without
 *     Structured Outputs (domain/structured-output-models.ts): `param: null`, `code: null`
 *   a budget (`max_completion_tokens`, `max_tokens`, Responses `max_output_tokens`) over the
 *     model's output limit (domain/model-output-limits.ts): `param: "max_tokens"`, `code: null`
 *   a strict `json_schema` that breaks strict mode's rules (strict-schema.ts): chat
 *     `param: "response_format"`, `code: null`; Responses `param: "text.format.schema"`,
 *     `code: "invalid_json_schema"`
 */
import { outputLimitOf, tooLargeMessage } from '../domain/model-output-limits.ts';
import { refusedParam } from '../domain/reasoning-models.ts';
import { JSON_SCHEMA_UNSUPPORTED, supportsJsonSchema } from '../domain/structured-output-models.ts';
import { ApiError, type ApiErrorBody } from './api-errors.ts';
import { strictSchemaProblem } from './strict-schema.ts';

/** The 400 body for a request `body` whose model refuses one of its parameters. */
export function refusedParamBody(body: unknown): ApiErrorBody | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as Readonly<Record<string, unknown>>;
  if (typeof b['model'] !== 'string') return undefined;
  if (formatType(b) === 'json_schema' && !supportsJsonSchema(b['model'])) {
    const error = { type: 'invalid_request_error', param: null, code: null };
    return { error: { message: JSON_SCHEMA_UNSUPPORTED, ...error } };
  }
  const schemaError = strictSchemaError(b);
  if (schemaError !== undefined) return schemaError;
  const budget = b['max_completion_tokens'] ?? b['max_tokens'] ?? b['max_output_tokens'];
  const limit = outputLimitOf(b['model']);
  if (typeof budget === 'number' && limit !== undefined && budget > limit) {
    const error = { type: 'invalid_request_error', param: 'max_tokens', code: null };
    return { error: { message: tooLargeMessage(budget, limit), ...error } };
  }
  const refused = refusedParam(b['model'], b);
  if (refused === undefined) return undefined;
  return {
    error: {
      message: refused.message,
      type: 'invalid_request_error',
      param: refused.param,
      code: refused.code,
    },
  };
}

/** The response format's type: chat `response_format.type`, Responses `text.format.type`. */
function formatType(b: Readonly<Record<string, unknown>>): unknown {
  const chat = b['response_format'] as { type?: unknown } | null | undefined;
  const text = b['text'] as { format?: { type?: unknown } | null } | null | undefined;
  return chat?.type ?? text?.format?.type;
}

/** A strict schema format the API refuses: its 400 body, or undefined. */
function strictSchemaError(b: Readonly<Record<string, unknown>>): ApiErrorBody | undefined {
  type Format = { type?: unknown; strict?: unknown; name?: unknown; schema?: unknown };
  const rf = b['response_format'] as { type?: unknown; json_schema?: Format } | null | undefined;
  const chat = rf?.type === 'json_schema' ? rf.json_schema : undefined;
  const text = (b['text'] as { format?: Format | null } | null | undefined)?.format;
  const responses = chat === undefined && text?.type === 'json_schema';
  const format = responses ? text : chat;
  if (format === undefined || format === null || format.strict !== true) return undefined;
  const name = typeof format.name === 'string' ? format.name : 'response_format';
  const message = strictSchemaProblem(format.schema, name);
  if (message === undefined) return undefined;
  return {
    error: {
      message,
      type: 'invalid_request_error',
      param: responses ? 'text.format.schema' : 'response_format',
      code: responses ? 'invalid_json_schema' : null,
    },
  };
}

/** The same answer thrown as an HTTP 400 (a direct `POST /v1/chat/completions`). */
export function throwIfRefusedParam(body: unknown): void {
  const refused = refusedParamBody(body);
  if (refused === undefined) return;
  const { message, param, code } = refused.error;
  throw new ApiError(400, message, { param, code });
}
