/**
 * Answers the real API gives when the model will not answer (request faults `content_filter`
 * and `refusal`), made from the emulator's normal answer. Pure.
 *
 * - `content_filter`: the content filter stopped the answer part-way. Chat completions:
 *   `finish_reason: "content_filter"` with the content cut (the chat API reference: "content_filter
 *   if content was omitted due to a flag from our content filters"). Responses: `status:
 *   "incomplete"`, `incomplete_details.reason: "content_filter"`, the message cut.
 * - `refusal`: a structured-outputs refusal (the Structured Outputs guide). Chat completions:
 *   `message.content: null`, `message.refusal` the model's words, `finish_reason: "stop"`.
 *   Responses: the message's one content part is `{"type": "refusal", "refusal": ...}`.
 *
 * Both are billed as the answer they replace (usage unchanged).
 */
import type { ChatCompletion } from './responder.ts';

export const REFUSAL_TEXT = "I'm sorry, but I can't assist with that request.";

export type FilteredKind = 'content_filter' | 'refusal';

/** The first part of a text, as a filter that stops an answer part-way leaves it. */
function cut(text: string): string {
  return text.slice(0, Math.floor(text.length * 0.4));
}

/** The chat completion the API sends instead of `completion`. */
export function filteredChat(completion: ChatCompletion, kind: FilteredKind): unknown {
  const [choice] = completion.choices;
  const message =
    kind === 'refusal'
      ? { ...choice!.message, content: null, refusal: REFUSAL_TEXT }
      : { ...choice!.message, content: cut(choice!.message.content) };
  const finish = kind === 'refusal' ? 'stop' : 'content_filter';
  return { ...completion, choices: [{ ...choice, message, finish_reason: finish }] };
}

interface OutputItem {
  readonly type?: string;
  readonly content?: readonly { type?: string; text?: string }[];
  readonly [key: string]: unknown;
}

/** The Response object the API sends instead of `response`. */
export function filteredResponse(
  response: Record<string, unknown>,
  kind: FilteredKind,
): Record<string, unknown> {
  const output = (response['output'] as readonly OutputItem[]).map((item) => {
    if (item.type !== 'message') return item;
    if (kind === 'refusal') {
      return {
        ...item,
        status: 'completed',
        content: [{ type: 'refusal', refusal: REFUSAL_TEXT }],
      };
    }
    const content = (item.content ?? []).map((c) =>
      c.type === 'output_text' && typeof c.text === 'string' ? { ...c, text: cut(c.text) } : c,
    );
    return { ...item, status: 'incomplete', content };
  });
  if (kind === 'refusal') return { ...response, output };
  return {
    ...response,
    status: 'incomplete',
    incomplete_details: { reason: 'content_filter' },
    output,
  };
}
