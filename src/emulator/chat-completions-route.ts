/**
 * `POST /v1/chat/completions` of the OpenAI emulator: one synchronous chat completion (the
 * emulator's model, or the upstream server's), for clients that check a model before batching.
 */
import { apiErrors } from './api-errors.ts';
import { readJson, type Route } from './http-route.ts';
import { throwIfRefusedParam } from './refused-params.ts';
import type { ChatBody, ChatCompletion } from './responder.ts';

export function chatCompletionsRoute(complete: (body: ChatBody) => Promise<ChatCompletion>): Route {
  return {
    method: 'POST',
    pattern: /^\/v1\/chat\/completions$/,
    handler: async (req) => {
      const body = (await readJson(req)) as ChatBody;
      if (typeof body.model !== 'string' || !Array.isArray(body.messages)) {
        throw apiErrors.badRequest(
          "The request body must have 'model' and 'messages'.",
          'messages',
        );
      }
      throwIfRefusedParam(body);
      return { json: await complete(body) };
    },
  };
}
