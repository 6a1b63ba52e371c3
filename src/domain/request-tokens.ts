/**
 * Prompt tokens of a chat-completions request body: the chat framing plus each message's
 * content, plus the JSON of a response schema (the API does not publish how it counts a schema;
 * this convention is the same for the client's estimates and the emulator's counts).
 */
import { encodingForModel, type EncodingName, type TokenCounter } from './token-counter.ts';

export interface ChatMessageLike {
  readonly role: string;
  readonly content: unknown;
}

export interface ChatBodyLike {
  readonly model: string;
  readonly messages: readonly ChatMessageLike[];
  readonly response_format?: { type?: string } | undefined;
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
  let n = counter.chatFramingTokens(body.messages.length);
  for (const m of body.messages) n += counter.count(contentText(m.content));
  if (body.response_format?.type === 'json_schema')
    n += counter.count(JSON.stringify(body.response_format));
  return n;
}
