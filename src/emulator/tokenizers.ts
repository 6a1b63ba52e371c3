/**
 * Tokenizers for the emulator's token counts (enqueued tokens, usage): loaded on first use of a
 * model's encoding, then used synchronously.
 */
import {
  encodingForModel,
  tokenCounters,
  type EncodingName,
  type TokenCounter,
} from '../domain/token-counter.ts';

export interface Tokenizers {
  /** Loads the encoding of `model` if needed. */
  ensure(model: string): Promise<void>;
  /** A loaded encoding's counter (call `ensure` first). */
  counterFor(encoding: EncodingName): TokenCounter;
}

export function createTokenizers(): Tokenizers {
  const load = tokenCounters();
  const ready = new Map<EncodingName, TokenCounter>();
  return {
    async ensure(model) {
      const encoding = encodingForModel(model);
      if (!ready.has(encoding)) ready.set(encoding, await load(encoding));
    },
    counterFor(encoding) {
      const counter = ready.get(encoding);
      if (counter === undefined) throw new Error(`tokenizer ${encoding} is not loaded`);
      return counter;
    },
  };
}
