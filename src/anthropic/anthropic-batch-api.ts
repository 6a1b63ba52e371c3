/**
 * The Batch API port (src/openai/batch-api.ts) over Anthropic's Message Batches, through the
 * official `@anthropic-ai/sdk`: the rest of the pipeline stays as it is.
 *
 * Capabilities: requests are sent inline (at most 100,000 requests or 256 MB a batch); no
 * metadata on batches; a 24-hour window; results kept 29 days.
 *
 * - uploadFile keeps the input file here (anthropic-store.ts); createBatch streams its lines as
 *   the requests of the create call (request-stream.ts), custom_ids mapped to the API's rule.
 * - The SDK retries a call whose answer was lost (a dropped connection, a 5xx, a 429): for
 *   create that is a second, billed batch. The create call is made with `maxRetries: 0` (and a
 *   streamed body, which the SDK never retries either); the submitter decides what to do.
 * - Exactly once without metadata: before the call the store records the submission's key, its
 *   request count and the time the call was sent; a failure that may hide a batch records the
 *   window it could have been created in. A listing then matches an unknown batch to it (same
 *   request count, created in the window) and gives it our metadata, so the submitter's own
 *   search (submit/reconcile.ts) finds it; an unknown batch that matches a key that already has
 *   its batch is a second one, cancelled at once. docs/providers.md says what this guarantees.
 * - An ended batch's results are translated once into local output and error files
 *   (results-file.ts); until then the batch is reported `finalizing`.
 *
 * Its pieces: the shared client, store and error mapping (adapter-context.ts), the file calls
 * (local-files.ts), createBatch (create-batch.ts), an ended batch's results (ended-results.ts),
 * lost creates matched (lost-creates.ts).
 */
import { plainApiId } from '../openai/api-ids.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { fromAnthropicError } from './api-failure.ts';
import {
  createAnthropicContext,
  sdk,
  signalOf,
  type AnthropicSettings,
} from './adapter-context.ts';
import { checkedMessageBatch } from './batch-shape.ts';
import { createBatchCall } from './create-batch.ts';
import { reportedBatch } from './ended-results.ts';
import { localFileCalls } from './local-files.ts';
import { createLostCreates } from './lost-creates.ts';
import { hasRecord, unrecordedBatch } from './unrecorded-batch.ts';

export { ANTHROPIC_LIMITS } from './lost-creates.ts';
export type { AnthropicSettings } from './adapter-context.ts';

export function createAnthropicBatchApi(settings: AnthropicSettings): BatchApi {
  const ctx = createAnthropicContext(settings);
  const { batches } = ctx;
  const { match, sweepAfterLoss } = createLostCreates({
    batches,
    ready: ctx.ready,
    // Without a logger, a process warning (stderr): a second batch is never silent.
    warn: settings.warn ?? ((m) => process.emitWarning(m, { code: 'SLICEBATCH_ANTHROPIC' })),
  });
  return {
    ...localFileCalls(ctx),
    createBatch: createBatchCall(ctx),
    retrieveBatch: (id, options) =>
      sdk(options, async () => {
        plainApiId('batch id', id, 'retrieving a batch');
        const b = checkedMessageBatch(
          'messages.batches.retrieve',
          await batches.retrieve(id, {}, signalOf(options)),
        );
        await match(b);
        await sweepAfterLoss(b, options);
        const store = await ctx.ready();
        if (!hasRecord(store, b.id)) throw unrecordedBatch(store, b.id);
        return reportedBatch(ctx, b, options);
      }),
    listBatches: (options) =>
      (async function* () {
        try {
          const limit = options?.pageSize ?? 100;
          for await (const listed of batches.list({ limit }, signalOf(options))) {
            const b = checkedMessageBatch('messages.batches.list', listed);
            await match(b);
            // A batch without a record is not one the port can serve (unrecorded-batch.ts).
            if (hasRecord(await ctx.ready(), b.id)) yield await reportedBatch(ctx, b, options);
          }
        } catch (err) {
          throw fromAnthropicError(err, options?.signal);
        }
      })(),
    cancelBatch: (id, options) =>
      sdk(options, async () => {
        plainApiId('batch id', id, 'cancelling a batch');
        const b = await batches.cancel(id, {}, signalOf(options));
        return reportedBatch(ctx, checkedMessageBatch('messages.batches.cancel', b), options);
      }),
  };
}
