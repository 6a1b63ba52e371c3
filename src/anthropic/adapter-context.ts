/**
 * What the Anthropic adapter's calls share: the SDK's batches resource (one client built from
 * the settings: timeout, retries, our HTTP client), the adapter's store opened once on first use,
 * the clock and the warning sink; and how a call's SDK failure becomes one of the port's errors.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Clock } from '../clock.ts';
import { apiError } from '../errors.ts';
import type { CallOptions } from '../openai/batch-api.ts';
import { createHttpClient } from '../openai/http-client.ts';
import { fromAnthropicError } from './api-failure.ts';
import { openAnthropicStore, type AnthropicStore } from './anthropic-store.ts';

export interface AnthropicSettings {
  readonly apiKey: string;
  readonly baseURL?: string | undefined;
  readonly timeoutMs?: number | undefined;
  /** SDK retries for the calls where a retry cannot do harm (never for create). */
  readonly maxRetries?: number | undefined;
  /** The adapter's own files (anthropic-store.ts), or the folder to open them in (on first use). */
  readonly store: AnthropicStore | string;
  readonly clock: Clock;
  /** Told of a second batch found and cancelled. */
  readonly warn?: ((message: string) => void) | undefined;
}

export interface AnthropicContext {
  readonly batches: Anthropic['messages']['batches'];
  /** The store, opened on the first call. */
  readonly ready: () => Promise<AnthropicStore>;
  readonly clock: Clock;
  readonly warn?: ((message: string) => void) | undefined;
}

export function createAnthropicContext(settings: AnthropicSettings): AnthropicContext {
  let opening: Promise<AnthropicStore> | undefined;
  const timeoutMs = settings.timeoutMs ?? 600_000;
  const client = new Anthropic({
    apiKey: settings.apiKey,
    ...(settings.baseURL === undefined ? {} : { baseURL: settings.baseURL }),
    timeout: timeoutMs,
    maxRetries: settings.maxRetries ?? 2,
    fetch: createHttpClient(timeoutMs).fetch,
  });
  return {
    batches: client.messages.batches,
    ready: () =>
      (opening ??=
        typeof settings.store === 'string'
          ? openAnthropicStore(settings.store)
          : Promise.resolve(settings.store)),
    clock: settings.clock,
    warn: settings.warn,
  };
}

/** The SDK's request options for a call's signal. */
export const signalOf = (o: CallOptions | undefined): { signal?: AbortSignal } =>
  o?.signal === undefined ? {} : { signal: o.signal };

/** Runs an SDK call; its failure is thrown as the port's error (api-failure.ts). */
export async function sdk<T>(options: CallOptions | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw fromAnthropicError(err, options?.signal);
  }
}

/** A file or batch the adapter does not have: the port's 404. */
export const gone = (what: string): Error =>
  apiError({ kind: 'permanent', status: 404, message: `${what}: not found`, maybeDone: false });
