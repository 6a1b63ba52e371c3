/**
 * A batch the API has but the adapter has no record of: its store (anthropic-store.ts) was lost,
 * or the job file that names it comes from another data folder. Without the record there is no
 * mapping of the batch's custom_ids back to ours, so its results cannot be served. It is
 * answered as the API answers a batch it does not know (404): the poller marks the job unknown
 * and its requests wait (jobs/unknown-batch.ts). Nothing is sent again (the batch ran and was
 * paid for), nothing is decided from results that cannot be read. Restoring the folder brings
 * the job back on the next poll. A second batch we cancelled is recorded too (as one).
 */
import type { AnthropicStore } from './anthropic-store.ts';
import { gone } from './adapter-context.ts';

/** True when the store has a record of the batch: ours, or a second one we cancelled. */
export function hasRecord(store: AnthropicStore, batchId: string): boolean {
  return store.known(batchId) !== undefined || store.isDuplicate(batchId);
}

/** The port's 404 for a batch without a record, saying why and what brings it back. */
export function unrecordedBatch(store: AnthropicStore, batchId: string): Error {
  return gone(
    `batch ${batchId}: the Message Batches API has it, but the anthropic adapter has no record of it (its files in ${store.dir} lost, or a job file from another data folder), so its results cannot be matched to our requests; restore that folder to collect them`,
  );
}
