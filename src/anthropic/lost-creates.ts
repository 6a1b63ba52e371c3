/**
 * Exactly once without metadata (docs/providers.md, "Exactly once"): a listed batch that the
 * adapter does not know is matched to a create whose answer was lost (same request count,
 * created within the window of that loss, widened by the clock slack). One open match: adopted.
 * A match to a submission that already has its batch: a second batch, cancelled at once.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { CallOptions } from '../openai/batch-api.ts';
import type { AnthropicStore } from './anthropic-store.ts';
import { totalRequests, type MessageBatchLike } from './batch-object.ts';

export const ANTHROPIC_LIMITS = {
  maxRequestsPerBatch: 100_000,
  maxBytesPerBatch: 256 * 1024 * 1024,
  /** Where a batch may have been created around a lost answer: server and our clock apart. */
  clockSlackS: 300,
} as const;

/**
 * Until when (our clock) a create of `requests` requests must wait: a batch of another key with
 * as many requests lost its answer, and a listed batch could match either window. After two
 * clock slacks past that answer, the windows no longer overlap.
 */
export function sameSizeLostUntil(store: AnthropicStore, key: string, requests: number): number {
  let until = 0;
  for (const i of store.intents()) {
    if (i.key === key || i.requests !== requests) continue;
    for (const w of i.windows) {
      until = Math.max(until, w.failedAt + 2 * ANTHROPIC_LIMITS.clockSlackS * 1000);
    }
  }
  return until;
}

export function keyOfBatch(store: AnthropicStore, id: string): string | undefined {
  for (const i of store.intents()) if (i.batchId === id) return i.key;
  return undefined;
}

const signalOf = (o: CallOptions | undefined): { signal?: AbortSignal } =>
  o?.signal === undefined ? {} : { signal: o.signal };

export function createLostCreates(deps: {
  readonly batches: Anthropic['messages']['batches'];
  readonly ready: () => Promise<AnthropicStore>;
  readonly warn?: ((message: string) => void) | undefined;
}) {
  const { batches, ready } = deps;
  const settings = { warn: deps.warn };
  /** An unknown batch: ours after a lost answer (adopted), a second one (cancelled), or not ours. */
  async function match(b: MessageBatchLike): Promise<void> {
    const store = await ready();
    if (store.isDuplicate(b.id) || keyOfBatch(store, b.id) !== undefined) return;
    const createdS = Date.parse(b.created_at) / 1000;
    const total = totalRequests(b);
    const slack = ANTHROPIC_LIMITS.clockSlackS;
    const candidates = [...store.intents()].filter(
      (i) =>
        i.requests === total &&
        i.windows.some(
          (w) => createdS >= w.sentAt / 1000 - slack && createdS <= w.failedAt / 1000 + slack,
        ),
    );
    const open = candidates.filter((i) => i.batchId === undefined);
    if (open.length === 1) {
      await store.record({ t: 'created', key: open[0]!.key, batch_id: b.id, adopted: true });
      return;
    }
    if (open.length === 0 && candidates.length > 0) {
      const key = candidates[0]!.key;
      if (b.processing_status !== 'ended') await batches.cancel(b.id);
      await store.record({ t: 'duplicate', key, batch_id: b.id });
      settings.warn?.(
        `anthropic batch ${b.id} matches the create of ${key}, whose batch is ${candidates[0]!.batchId}: a second batch after a lost answer, cancelled`,
      );
    }
  }

  /**
   * A batch whose submission lost a create answer before it: while it runs, each look at it
   * also lists the batches created since that loss, so that a first batch the listing showed
   * too late is found (and cancelled) even when nothing else lists (a poll of one or two jobs
   * retrieves them by id).
   */
  async function sweepAfterLoss(b: MessageBatchLike, options?: CallOptions): Promise<void> {
    const store = await ready();
    const key = keyOfBatch(store, b.id);
    const intent = key === undefined ? undefined : store.intent(key);
    if (intent === undefined || intent.windows.length === 0 || b.processing_status === 'ended')
      return;
    const from =
      Math.min(...intent.windows.map((w) => w.sentAt)) / 1000 - ANTHROPIC_LIMITS.clockSlackS;
    for await (const x of batches.list({ limit: 100 }, signalOf(options))) {
      if (Date.parse(x.created_at) / 1000 < from) break;
      await match(x);
    }
  }

  return { match, sweepAfterLoss };
}
