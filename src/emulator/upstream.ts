/**
 * `--upstream URL`: each request of a batch is answered by a real chat-completions server (a
 * local Ollama, vLLM or llama.cpp server, or another OpenAI-compatible API) through the official
 * SDK; the batch pipeline then runs on local models.
 */
import OpenAI from 'openai';
import type { UpstreamCall } from './batch-runner.ts';
import type { ChatCompletion } from './responder.ts';

export interface UpstreamOptions {
  readonly url: string;
  readonly apiKey?: string | undefined;
  readonly concurrency?: number | undefined;
  readonly timeoutMs?: number | undefined;
}

export function createUpstreamCall(options: UpstreamOptions): UpstreamCall {
  const client = new OpenAI({
    baseURL: options.url,
    apiKey: options.apiKey ?? 'not-needed',
    maxRetries: 2,
    timeout: options.timeoutMs ?? 10 * 60 * 1000,
  });
  return async (body) => {
    try {
      const completion = await client.chat.completions.create(
        body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
      );
      return { ok: true, completion: completion as unknown as ChatCompletion };
    } catch (err) {
      if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
        return {
          ok: false,
          status: err.status,
          body: err.error ?? { error: { message: err.message } },
          message: err.message,
        };
      }
      return {
        ok: false,
        status: null,
        body: null,
        message: err instanceof Error ? err.message : String(err),
      };
    }
  };
}
