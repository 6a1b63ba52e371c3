/**
 * The Responses API side of the emulator's model (`/v1/responses` batch lines): a Responses
 * body read as the chat body the responder answers, and its chat completion given back as a
 * Response object (`output[]` with a reasoning item when a summary was asked for and a message
 * with its `output_text`; `status: "incomplete"` when the budget ran out). Pure.
 */
import { messagesOf } from '../domain/request-tokens.ts';
import { derivedId } from './ids.ts';
import { isReasoningModel } from './model-snapshots.ts';
import type { ChatBody, ChatCompletion } from './responder.ts';

export interface ResponsesBody {
  readonly model: string;
  readonly instructions?: unknown;
  readonly input?: unknown;
  readonly max_output_tokens?: number;
  readonly reasoning?: { effort?: string; summary?: string } | null;
  readonly text?: { format?: { type?: string; schema?: unknown } } | null;
}

/** The chat body that asks the same: messages, format, budget, effort. */
export function chatBodyOfResponses(body: ResponsesBody): ChatBody {
  const format = body.text?.format;
  return {
    model: body.model,
    messages: messagesOf({ model: body.model, instructions: body.instructions, input: body.input }),
    ...(format?.type === 'json_schema'
      ? { response_format: { type: 'json_schema', json_schema: { schema: format.schema } } }
      : format?.type === 'json_object'
        ? { response_format: { type: 'json_object' } }
        : {}),
    ...(body.max_output_tokens === undefined
      ? {}
      : { max_completion_tokens: body.max_output_tokens }),
    ...(typeof body.reasoning?.effort === 'string'
      ? { reasoning_effort: body.reasoning.effort }
      : {}),
  };
}

export function responsesObject(
  customId: string,
  body: ResponsesBody,
  completion: ChatCompletion,
): Record<string, unknown> {
  const choice = completion.choices[0]!;
  const cut = choice.finish_reason === 'length';
  const u = completion.usage;
  const output: Record<string, unknown>[] = [];
  if (isReasoningModel(body.model)) {
    const summary =
      body.reasoning?.summary === undefined || u.completion_tokens_details.reasoning_tokens === 0
        ? []
        : [
            {
              type: 'summary_text',
              text: `Emulated reasoning summary for ${customId}: read the code, then answered.`,
            },
          ];
    output.push({ id: derivedId('rs_', completion.id), type: 'reasoning', summary });
  }
  if (choice.message.content !== '') {
    output.push({
      id: derivedId('msg_', completion.id),
      type: 'message',
      status: cut ? 'incomplete' : 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: choice.message.content, annotations: [] }],
    });
  }
  return {
    id: derivedId('resp_', completion.id),
    object: 'response',
    created_at: completion.created,
    status: cut ? 'incomplete' : 'completed',
    incomplete_details: cut ? { reason: 'max_output_tokens' } : null,
    error: null,
    model: completion.model,
    output,
    max_output_tokens: body.max_output_tokens ?? null,
    reasoning: body.reasoning ?? null,
    text: body.text ?? { format: { type: 'text' } },
    usage: {
      input_tokens: u.prompt_tokens,
      input_tokens_details: { cached_tokens: u.prompt_tokens_details.cached_tokens },
      output_tokens: u.completion_tokens,
      output_tokens_details: { reasoning_tokens: u.completion_tokens_details.reasoning_tokens },
      total_tokens: u.total_tokens,
    },
  };
}
