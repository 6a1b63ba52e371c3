/**
 * Where our unfinished batches stand: one paginated `batches.list` (newest first, stopping once
 * past the oldest batch asked about), or a retrieve per batch when there are only a few. A
 * batch the listing did not reach is retrieved on its own.
 */
import type { BatchApi, RemoteBatch } from '../openai/batch-api.ts';
import { unknownBatchMessage } from './unknown-batch.ts';

/** Up to this many batches, retrieving each costs fewer calls than listing. */
export const RETRIEVE_AT_MOST = 2;

export interface BatchRef {
  readonly id: string;
  /** Unix seconds. */
  readonly createdAt: number;
}

export async function fetchBatches(
  api: BatchApi,
  refs: readonly BatchRef[],
  retrieveAtMost = RETRIEVE_AT_MOST,
  /** Filled with the batches the API answered 404 for, and what it said (else: thrown). */
  unknown?: Map<string, string>,
): Promise<Map<string, RemoteBatch>> {
  const found = new Map<string, RemoteBatch>();
  if (refs.length === 0) return found;
  if (refs.length > retrieveAtMost) {
    const wanted = new Set(refs.map((r) => r.id));
    // Clocks differ: look a little past the oldest creation time.
    const oldest = Math.min(...refs.map((r) => r.createdAt)) - 300;
    for await (const b of api.listBatches()) {
      if (wanted.delete(b.id)) found.set(b.id, b);
      if (wanted.size === 0 || b.created_at < oldest) break;
    }
  }
  for (const r of refs) {
    if (found.has(r.id)) continue;
    try {
      found.set(r.id, await api.retrieveBatch(r.id));
    } catch (err) {
      // One batch the API does not know holds up no other (unknown-batch.ts).
      const message = unknownBatchMessage(err);
      if (message === undefined || unknown === undefined) throw err;
      unknown.set(r.id, message);
    }
  }
  return found;
}
