/**
 * One line of a Message Batch's results as the line the OpenAI Batch API would have written,
 * with our custom_id restored, so that poll reads it unchanged. Pure.
 *
 *   succeeded  → output file: a 200 chat completion (its text content; `max_tokens` as
 *                finish_reason "length", `refusal` as "content_filter"), usage as prompt/completion tokens
 *   errored    → error file: the error's HTTP status (invalid_request_error 400: final;
 *                rate_limit_error 429, api_error 500, overloaded_error 529, timeout: retried)
 *   expired    → error file: `batch_expired` (retried)
 *   canceled   → error file: `batch_cancelled` (retried when we cancelled)
 */

export interface AnthropicUsage {
  readonly input_tokens?: number | null;
  readonly output_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
}

export interface AnthropicResultLine {
  readonly custom_id: string;
  readonly result: {
    readonly type: string;
    readonly message?: {
      readonly id?: string;
      readonly model?: string;
      readonly content?: readonly { type?: string; text?: unknown }[];
      readonly stop_reason?: string | null;
      readonly usage?: AnthropicUsage;
    };
    readonly error?: { readonly error?: { readonly type?: string; readonly message?: string } };
  };
}

/** The HTTP status an Anthropic error type stands for (its documented mapping). */
const STATUS_OF_ERROR: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export interface TranslatedResult {
  /** Which of our files it goes to. */
  readonly file: 'results' | 'errors';
  /** The JSON line, without its newline. */
  readonly line: string;
  readonly usage: { input: number; output: number; cached: number };
}

const NO_USAGE = { input: 0, output: 0, cached: 0 };

/**
 * Anthropic's stop reasons that mean something to the poller: `max_tokens` is a length cut;
 * `refusal` (the model's classifiers stopped the answer) is OpenAI's content filter, a final
 * fate never sent again (poll/refusal-fate.ts).
 */
const FINISH_REASON_OF_STOP: Readonly<Record<string, string>> = {
  max_tokens: 'length',
  refusal: 'content_filter',
};

export function translateResult(
  r: AnthropicResultLine,
  ours: string,
  nowS: number,
): TranslatedResult {
  const id = `${r.custom_id}`;
  switch (r.result.type) {
    case 'succeeded': {
      const m = r.result.message ?? {};
      const text = (m.content ?? [])
        .filter((c) => c.type === 'text' && typeof c.text === 'string')
        .map((c) => c.text as string)
        .join('');
      const u = m.usage ?? {};
      const cached = u.cache_read_input_tokens ?? 0;
      // Anthropic's input_tokens leave out the cached and cache-written ones.
      const input = (u.input_tokens ?? 0) + cached + (u.cache_creation_input_tokens ?? 0);
      const output = u.output_tokens ?? 0;
      const body = {
        id: m.id ?? id,
        object: 'chat.completion',
        created: nowS,
        model: m.model ?? null,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text },
            finish_reason: FINISH_REASON_OF_STOP[m.stop_reason ?? ''] ?? 'stop',
          },
        ],
        usage: {
          prompt_tokens: input,
          completion_tokens: output,
          total_tokens: input + output,
          prompt_tokens_details: { cached_tokens: cached },
        },
      };
      return {
        file: 'results',
        line: JSON.stringify({
          id: `res_${id}`,
          custom_id: ours,
          response: { status_code: 200, request_id: m.id ?? id, body },
          error: null,
        }),
        usage: { input, output, cached },
      };
    }
    case 'errored': {
      const e = r.result.error?.error ?? {};
      const type = e.type ?? 'api_error';
      const status = STATUS_OF_ERROR[type] ?? 500;
      return {
        file: 'errors',
        line: JSON.stringify({
          id: `res_${id}`,
          custom_id: ours,
          response: {
            status_code: status,
            body: { error: { message: e.message ?? type, type, code: type } },
          },
          error: null,
        }),
        usage: NO_USAGE,
      };
    }
    default: {
      const expired = r.result.type === 'expired';
      return {
        file: 'errors',
        line: JSON.stringify({
          id: `res_${id}`,
          custom_id: ours,
          response: null,
          error: expired
            ? { code: 'batch_expired', message: 'the batch expired before this request ran' }
            : {
                code: 'batch_cancelled',
                message: 'the batch was cancelled before this request ran',
              },
        }),
        usage: NO_USAGE,
      };
    }
  }
}
