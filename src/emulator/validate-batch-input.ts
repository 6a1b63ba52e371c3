/**
 * Validating a batch input file as the real service does, line by line (streamed): each line
 * JSON with a unique `custom_id`, method POST, `url` equal to the batch endpoint, one model for
 * the whole file, at most `maxRequests` lines; an empty file fails. Errors carry the API's codes
 * and line numbers. Also counts the prompt tokens of every request (the enqueued tokens).
 */
import { readLineBatches } from '../storage/jsonl-lines.ts';
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

export async function validateBatchInput(
  path: string,
  options: {
    readonly endpoint: string;
    readonly maxRequests: number;
    readonly tokenizers: Tokenizers;
    /** A line's url as the provider's dialect names it, as the endpoint is named. */
    readonly lineUrl?: ((url: unknown) => unknown) | undefined;
    /** Why a line's model is not served by the provider (undefined: it is). */
    readonly checkModel?: ((model: string) => string | undefined) | undefined;
  },
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
  const customIds = new Set<string>();
  let model: string | null = null;
  let total = 0;
  let promptTokens = 0;
  for await (const batch of readLineBatches(path)) {
    for (const raw of batch) {
      total++;
      if (raw.kind !== 'text') {
        add('invalid_json_line', 'This line is not parseable as valid JSON.', raw.lineNo);
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(raw.text);
      } catch {
        add('invalid_json_line', 'This line is not parseable as valid JSON.', raw.lineNo);
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        add('invalid_json_line', 'Each line must be a JSON object.', raw.lineNo);
        continue;
      }
      const line = value as {
        custom_id?: unknown;
        method?: unknown;
        url?: unknown;
        body?: unknown;
      };
      if (typeof line.custom_id !== 'string' || line.custom_id === '') {
        add(
          'missing_required_parameter',
          "Missing required parameter: 'custom_id'.",
          raw.lineNo,
          'custom_id',
        );
        continue;
      }
      if (customIds.has(line.custom_id)) {
        add(
          'duplicate_custom_id',
          'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.',
          raw.lineNo,
          'custom_id',
        );
        continue;
      }
      customIds.add(line.custom_id);
      if (line.method !== 'POST') {
        add(
          'invalid_method',
          "Invalid value for 'method': only 'POST' is supported.",
          raw.lineNo,
          'method',
        );
        continue;
      }
      if ((options.lineUrl?.(line.url) ?? line.url) !== options.endpoint) {
        add(
          'url_mismatch',
          `The provided URL '${String(line.url)}' does not match the batch endpoint '${options.endpoint}'.`,
          raw.lineNo,
          'url',
        );
        continue;
      }
      const body = line.body as (Partial<ChatBody> & { input?: unknown }) | undefined;
      const responses = options.endpoint === '/v1/responses';
      if (
        body === null ||
        typeof body !== 'object' ||
        typeof body.model !== 'string' ||
        (responses
          ? typeof body.input !== 'string' && !Array.isArray(body.input)
          : !Array.isArray(body.messages))
      ) {
        add(
          'invalid_request',
          responses
            ? "The request body must have 'model' and 'input'."
            : "The request body must have 'model' and 'messages'.",
          raw.lineNo,
          'body',
        );
        continue;
      }
      const unserved = options.checkModel?.(body.model);
      if (unserved !== undefined) {
        add('model_not_found', unserved, raw.lineNo, 'body.model');
        continue;
      }
      if (model === null) {
        model = body.model;
        await options.tokenizers.ensure(model);
      } else if (body.model !== model) {
        add(
          'mismatched_model',
          `The provided model '${body.model}' does not match the model '${model}' of the other requests. A batch may use one model only.`,
          raw.lineNo,
          'body.model',
        );
        continue;
      }
      promptTokens += promptTokensOfBody(body as ChatBody, (e) => options.tokenizers.counterFor(e));
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
  return { errors, total, model, promptTokens };
}
