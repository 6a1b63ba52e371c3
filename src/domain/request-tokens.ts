/**
 * Prompt tokens of a chat-completions or Responses request body: the chat framing plus each
 * message's content (a Responses body's instructions and input as two messages), plus the JSON
 * of a response schema (the API does not publish how it counts a schema;
 * this convention is the same for the client's estimates and the emulator's counts).
 */
import { encodingForModel, type EncodingName, type TokenCounter } from './token-counter.ts';

export interface ChatMessageLike {
  readonly role: string;
  readonly content: unknown;
}

/** A /v1/chat/completions body, or a /v1/responses body (`instructions`, `input`, `text`). */
export interface ChatBodyLike {
  readonly model: string;
  readonly messages?: readonly ChatMessageLike[] | undefined;
  readonly response_format?: { type?: string } | undefined;
  readonly instructions?: unknown;
  readonly input?: unknown;
  readonly text?: { format?: { type?: string } } | undefined;
}

/** The messages of a body: chat `messages`, or a Responses body's instructions and input. */
export function messagesOf(body: ChatBodyLike): ChatMessageLike[] {
  if (body.messages !== undefined) return [...body.messages];
  const out: ChatMessageLike[] = [];
  if (typeof body.instructions === 'string')
    out.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') out.push({ role: 'user', content: body.input });
  else if (Array.isArray(body.input)) {
    for (const item of body.input as { role?: unknown; content?: unknown }[]) {
      out.push({ role: typeof item.role === 'string' ? item.role : 'user', content: item.content });
    }
  }
  return out;
}

/** Whether a body is a request to one of the batch endpoints we build (chat or responses). */
export function isRequestBody(body: unknown): body is ChatBodyLike {
  const b = body as ChatBodyLike | undefined;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.model === 'string' &&
    (Array.isArray(b.messages) || b.input !== undefined)
  );
}

/** The most output tokens a request may use (chat: max_completion_tokens; responses: max_output_tokens). */
export function maxOutputTokensOf(body: unknown): number {
  const b = body as { max_completion_tokens?: unknown; max_output_tokens?: unknown } | undefined;
  const n = b?.max_completion_tokens ?? b?.max_output_tokens;
  return typeof n === 'number' ? n : 0;
}

export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) =>
        typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '',
      )
      .join('');
  }
  return '';
}

export function promptTokensOfBody(
  body: ChatBodyLike,
  counterFor: (e: EncodingName) => TokenCounter,
): number {
  const counter = counterFor(encodingForModel(body.model));
  const messages = messagesOf(body);
  let n = counter.chatFramingTokens(messages.length);
  for (const m of messages) n += counter.count(contentText(m.content));
  if (body.response_format?.type === 'json_schema')
    n += counter.count(JSON.stringify(body.response_format));
  if (body.text?.format?.type === 'json_schema')
    n += counter.count(JSON.stringify(body.text.format));
  return n;
}
