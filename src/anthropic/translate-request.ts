/**
 * One of our request lines (the OpenAI Batch API's shape, `/v1/chat/completions`) as a Message
 * Batches request. Pure.
 *
 * - `custom_id`: the API takes 1 to 64 characters of `[a-zA-Z0-9_-]`; ours can be longer and hold
 *   other characters. Each request gets `<key>_<line index>` instead, where the key names the
 *   submission (content hash and attempt): stable (the same file and attempt always give the
 *   same ids), unique within the batch (the index) and across batches (the key). The mapping
 *   back is kept in a file beside the batch (anthropic-store.ts).
 * - the system message(s) become `system`; the others stay `messages`.
 * - `max_completion_tokens` becomes `max_tokens`.
 * - `response_format: json_schema` becomes structured outputs (`output_config.format`, a JSON
 *   schema): the answer structure is enforced by the API, as with OpenAI's strict schemas.
 *   `json_object` and `text` send no format (the prompt asks for JSON; the answer is checked
 *   when the results are read).
 * - `temperature` and `reasoning_effort` are not sent: the request parameters of the API version
 *   the SDK sends (2026-10-21) have no `temperature`, `top_p` or `top_k` (docs/providers.md).
 */

export const MAX_CUSTOM_ID = 64;
export const CUSTOM_ID_RULE = /^[a-zA-Z0-9_-]{1,64}$/;

/** The key of a submission in mapped custom_ids: 16 hex characters of its hash, its attempt. */
export function submissionKey(sha256: string, attempt: string | number): string {
  const a = String(attempt).replace(/[^0-9]/g, '') || '1';
  return `sb${sha256.replace(/[^a-fA-F0-9]/g, '').slice(0, 16)}_${a}`;
}

export function mappedCustomId(key: string, index: number): string {
  return `${key}_${index}`;
}

/** The line index of a mapped custom_id of `key`, or undefined when it is not one of its ids. */
export function indexOfMapped(key: string, mapped: string): number | undefined {
  if (!mapped.startsWith(`${key}_`)) return undefined;
  const rest = mapped.slice(key.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export class RequestLineError extends Error {
  readonly code = 'anthropic_request_line';
  constructor(line: number, why: string) {
    super(`request line ${line}: ${why}`);
    this.name = 'RequestLineError';
  }
}

interface ChatMessage {
  readonly role?: unknown;
  readonly content?: unknown;
}

interface RequestLine {
  readonly custom_id?: unknown;
  readonly url?: unknown;
  readonly body?: {
    readonly model?: unknown;
    readonly messages?: unknown;
    readonly max_completion_tokens?: unknown;
    readonly max_tokens?: unknown;
    readonly response_format?: { type?: unknown; json_schema?: { schema?: unknown } };
  };
}

export interface TranslatedRequest {
  /** Ours, as it was in the line. */
  readonly customId: string;
  /** The request for the Message Batches API, as JSON text. */
  readonly json: string;
}

function textOf(content: unknown, line: number): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: { type?: unknown; text?: unknown }) =>
        part.type === 'text' && typeof part.text === 'string' ? part.text : '',
      )
      .join('');
  }
  throw new RequestLineError(line, 'a message without text content');
}

/** `line` is 1-based (for errors), `index` the 0-based position used in the mapped id. */
export function translateRequestLine(
  text: string,
  line: number,
  index: number,
  key: string,
): TranslatedRequest {
  let parsed: RequestLine;
  try {
    parsed = JSON.parse(text) as RequestLine;
  } catch (err) {
    throw new RequestLineError(line, `not JSON (${(err as Error).message})`);
  }
  if (typeof parsed.custom_id !== 'string' || parsed.custom_id === '') {
    throw new RequestLineError(line, 'no custom_id');
  }
  if (parsed.url !== '/v1/chat/completions') {
    throw new RequestLineError(
      line,
      `endpoint ${String(parsed.url)}: the anthropic provider sends chat requests only (scenarios.*.endpoint "chat")`,
    );
  }
  const body = parsed.body ?? {};
  if (typeof body.model !== 'string' || body.model === '')
    throw new RequestLineError(line, 'no model');
  if (!Array.isArray(body.messages)) throw new RequestLineError(line, 'no messages');
  const system: string[] = [];
  const messages: { role: string; content: string }[] = [];
  for (const m of body.messages as ChatMessage[]) {
    const content = textOf(m.content, line);
    if (m.role === 'system' || m.role === 'developer') system.push(content);
    else if (m.role === 'user' || m.role === 'assistant') messages.push({ role: m.role, content });
    else throw new RequestLineError(line, `a message of role ${String(m.role)}`);
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new RequestLineError(line, 'no max_completion_tokens');
  }
  const format = body.response_format;
  const schema =
    format?.type === 'json_schema' && typeof format.json_schema?.schema === 'object'
      ? format.json_schema.schema
      : undefined;
  const params = {
    model: body.model,
    max_tokens: maxTokens,
    ...(system.length > 0 ? { system: system.join('\n\n') } : {}),
    messages,
    ...(schema === undefined ? {} : { output_config: { format: { type: 'json_schema', schema } } }),
  };
  return {
    customId: parsed.custom_id,
    json: JSON.stringify({ custom_id: mappedCustomId(key, index), params }),
  };
}
