/**
 * Validating a batch input file as the real service does, line by line (streamed): each line
 * JSON with a unique `custom_id`, method POST, `url` equal to the batch endpoint, one model for
 * the whole file, at most `maxRequests` lines; an empty file fails. Errors carry the API's codes
 * and line numbers. Also counts the prompt tokens of every request (the enqueued tokens).
 */
import { readLineBatches, type RawLine } from '../storage/jsonl-lines.ts';
import { promptTokensOfBody, type ChatBody } from './responder.ts';
import type { Tokenizers } from './tokenizers.ts';

export interface BatchErrorData {
  readonly code: string;
  readonly message: string;
  readonly param: string | null;
  readonly line: number | null;
}

export interface ValidationResult {
  readonly errors: readonly BatchErrorData[];
  readonly total: number;
  readonly model: string | null;
  readonly promptTokens: number;
}

/** The real service reports a bounded number of problems. */
const MAX_ERRORS = 100;

export interface ValidationOptions {
  readonly endpoint: string;
  readonly maxRequests: number;
  readonly tokenizers: Tokenizers;
  /** A line's url as the provider's dialect names it, as the endpoint is named. */
  readonly lineUrl?: ((url: unknown) => unknown) | undefined;
  /** Why a line's model is not served by the provider (undefined: it is). */
  readonly checkModel?: ((model: string) => string | undefined) | undefined;
}

export async function validateBatchInput(
  path: string,
  options: ValidationOptions,
): Promise<ValidationResult> {
  const errors: BatchErrorData[] = [];
  const add = (
    code: string,
    message: string,
    line: number | null,
    param: string | null = null,
  ): void => {
    if (errors.length < MAX_ERRORS) errors.push({ code, message, param, line });
  };
  const seen = { customIds: new Set<string>(), model: null as string | null };
  let total = 0;
  let promptTokens = 0;
  for await (const batch of readLineBatches(path)) {
    for (const raw of batch) {
      total++;
      const checked = checkRequestLine(raw, seen, options);
      if ('problem' in checked) {
        const { code, message, param } = checked.problem;
        add(code, message, raw.lineNo, param);
        continue;
      }
      const { body } = checked;
      if (seen.model === null) {
        seen.model = body.model;
        await options.tokenizers.ensure(body.model);
      }
      promptTokens += promptTokensOfBody(body, (e) => options.tokenizers.counterFor(e));
    }
  }
  if (total === 0) add('empty_file', 'The batch input file is empty.', null);
  if (total > options.maxRequests) {
    add(
      'too_many_tasks',
      `The batch input file has ${total} requests, more than the ${options.maxRequests} allowed per batch.`,
      null,
    );
  }
  return { errors, total, model: seen.model, promptTokens };
}

type LineProblem = {
  readonly code: string;
  readonly message: string;
  readonly param: string | null;
};

const problem = (
  code: string,
  message: string,
  param: string | null = null,
): { readonly problem: LineProblem } => ({ problem: { code, message, param } });

/**
 * One line's check, in the order the service reports them: JSON object, custom_id (present,
 * unique: a new one is added to `seen`), method, url, body, a model the provider serves, the
 * same model as the lines before. The line's body, or its problem.
 */
function checkRequestLine(
  raw: RawLine,
  seen: { readonly customIds: Set<string>; readonly model: string | null },
  options: ValidationOptions,
): { readonly problem: LineProblem } | { readonly body: ChatBody } {
  const parsed = parsedObject(raw);
  if ('problem' in parsed) return parsed;
  const { line } = parsed;
  if (typeof line.custom_id !== 'string' || line.custom_id === '') {
    return problem(
      'missing_required_parameter',
      "Missing required parameter: 'custom_id'.",
      'custom_id',
    );
  }
  if (seen.customIds.has(line.custom_id)) {
    return problem(
      'duplicate_custom_id',
      'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.',
      'custom_id',
    );
  }
  seen.customIds.add(line.custom_id);
  if (line.method !== 'POST') {
    return problem(
      'invalid_method',
      "Invalid value for 'method': only 'POST' is supported.",
      'method',
    );
  }
  if ((options.lineUrl?.(line.url) ?? line.url) !== options.endpoint) {
    return problem(
      'url_mismatch',
      `The provided URL '${String(line.url)}' does not match the batch endpoint '${options.endpoint}'.`,
      'url',
    );
  }
  const body = requestBody(line.body, options.endpoint);
  if ('problem' in body) return body;
  const { model } = body.body;
  const unserved = options.checkModel?.(model);
  if (unserved !== undefined) return problem('model_not_found', unserved, 'body.model');
  if (seen.model !== null && model !== seen.model) {
    return problem(
      'mismatched_model',
      `The provided model '${model}' does not match the model '${seen.model}' of the other requests. A batch may use one model only.`,
      'body.model',
    );
  }
  return body;
}

/** The body of a chat completions (`messages`) or Responses (`input`) request, or its problem. */
function requestBody(
  value: unknown,
  endpoint: string,
): { readonly problem: LineProblem } | { readonly body: ChatBody } {
  const body = value as (Partial<ChatBody> & { input?: unknown }) | undefined;
  const responses = endpoint === '/v1/responses';
  if (
    body === null ||
    typeof body !== 'object' ||
    typeof body.model !== 'string' ||
    (responses
      ? typeof body.input !== 'string' && !Array.isArray(body.input)
      : !Array.isArray(body.messages))
  ) {
    return problem(
      'invalid_request',
      responses
        ? "The request body must have 'model' and 'input'."
        : "The request body must have 'model' and 'messages'.",
      'body',
    );
  }
  return { body: body as ChatBody };
}

/** The line as a JSON object, or why it is not one. */
function parsedObject(
  raw: RawLine,
):
  | { readonly problem: LineProblem }
  | { readonly line: { custom_id?: unknown; method?: unknown; url?: unknown; body?: unknown } } {
  if (raw.kind !== 'text')
    return problem('invalid_json_line', 'This line is not parseable as valid JSON.');
  let value: unknown;
  try {
    value = JSON.parse(raw.text);
  } catch {
    return problem('invalid_json_line', 'This line is not parseable as valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return problem('invalid_json_line', 'Each line must be a JSON object.');
  }
  return { line: value };
}
