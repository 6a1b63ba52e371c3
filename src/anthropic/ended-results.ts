/**
 * A batch as the port reports it: an ended batch's results are read once from the API and
 * translated into local output and error files (results-file.ts); until that has worked, the
 * batch is reported `finalizing` and its results are read again on the next look.
 */
import type { CallOptions } from '../openai/batch-api.ts';
import type { RemoteBatch } from '../openai/remote-types.ts';
import { fromAnthropicError } from './api-failure.ts';
import type { AnthropicContext } from './adapter-context.ts';
import { signalOf } from './adapter-context.ts';
import type { AnthropicStore } from './anthropic-store.ts';
import { remoteBatchOf, type MessageBatchLike } from './batch-object.ts';
import { keyOfBatch } from './lost-creates.ts';
import { writeResultFiles } from './results-file.ts';
import type { AnthropicResultLine } from './translate-result.ts';

/** Translates an ended batch's results once; the batch as the port reports it afterwards. */
export async function reportedBatch(
  ctx: AnthropicContext,
  b: MessageBatchLike,
  options?: CallOptions,
): Promise<RemoteBatch> {
  const store = await ctx.ready();
  const key = keyOfBatch(store, b.id);
  if (
    b.processing_status === 'ended' &&
    key !== undefined &&
    store.known(b.id)?.prepared === false
  ) {
    try {
      await translateResults(ctx, store, b.id, key, options);
    } catch (err) {
      if (options?.signal?.aborted === true) throw options.signal.reason as Error;
      // The batch stays `finalizing` and its results are read again on the next look.
      const failure = fromAnthropicError(err);
      ctx.warn?.(
        `anthropic batch ${b.id}: its results could not be read yet (${failure instanceof Error ? failure.message : String(failure)}); tried again next time`,
      );
    }
  }
  return remoteBatchOf(b, store.known(b.id));
}

async function translateResults(
  ctx: AnthropicContext,
  store: AnthropicStore,
  batchId: string,
  key: string,
  options: CallOptions | undefined,
): Promise<void> {
  const lines = (await ctx.batches.results(
    batchId,
    {},
    signalOf(options),
  )) as AsyncIterable<AnthropicResultLine>;
  const usage = await writeResultFiles({
    lines,
    key,
    ids: (await store.readIds(key)).map((l) => JSON.parse(l) as string),
    resultsPath: store.resultPath(batchId, 'results'),
    errorsPath: store.resultPath(batchId, 'errors'),
    nowS: Math.floor(ctx.clock.now() / 1000),
  });
  await store.record({ t: 'prepared', batch_id: batchId, usage });
}
