/**
 * The emulator's answer to a synchronous `POST /v1/chat/completions`: the upstream server's
 * when there is one (its error as a failed call), else the emulator's own model, seeded by the
 * messages so that the same question gets the same answer.
 */
import type { EncodingName } from '../domain/token-counter.ts';
import type { UpstreamCall } from './batch-runner.ts';
import { unixSeconds } from './clock.ts';
import { derivedId } from './ids.ts';
import { promptTokensOfBody, respond, type ChatBody, type ChatCompletion } from './responder.ts';
import type { Tokenizers } from './tokenizers.ts';

export function createDirectCompletion(deps: {
  readonly upstream: UpstreamCall | undefined;
  readonly tokenizers: Tokenizers;
  readonly seed: number;
  readonly now: () => number;
}): (body: ChatBody) => Promise<ChatCompletion> {
  const { upstream, tokenizers } = deps;
  return async (body) => {
    if (upstream !== undefined) {
      const r = await upstream(body);
      if (r.ok) return r.completion;
      throw new Error(r.message);
    }
    await tokenizers.ensure(body.model);
    const counterFor = (e: EncodingName) => tokenizers.counterFor(e);
    const customId = derivedId('direct_', JSON.stringify(body.messages));
    return respond(customId, body, counterFor, {
      seed: deps.seed,
      createdSeconds: unixSeconds(deps.now()),
      promptTokens: promptTokensOfBody(body, counterFor),
    });
  };
}
