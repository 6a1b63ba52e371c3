/**
 * The port's createBatch over Anthropic, exactly once without metadata: the submission's key
 * (from our metadata), a submission that has its batch already gets that batch back, the input
 * file's lines planned as the requests of the call (a line the Messages API cannot take fails
 * the file for good), a create that could be mistaken for another one's lost batch waits, and
 * the store records the intent before the call and the window of a lost answer after it. The
 * call itself is made with `maxRetries: 0` and a streamed body: the SDK never sends it twice.
 * Creates run one at a time, so the window of a lost answer is told apart from the next one's.
 */
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { apiError } from '../errors.ts';
import type { BatchApi, CallOptions } from '../openai/batch-api.ts';
import type { RemoteBatch } from '../openai/remote-types.ts';
import { classifyAnthropicError } from './api-failure.ts';
import { gone, sdk, signalOf, type AnthropicContext } from './adapter-context.ts';
import type { AnthropicStore, StoreRecord } from './anthropic-store.ts';
import { checkedMessageBatch } from './batch-shape.ts';
import { remoteBatchOf } from './batch-object.ts';
import { reportedBatch } from './ended-results.ts';
import { sameSizeLostUntil } from './lost-creates.ts';
import { planRequests, requestBody } from './request-stream.ts';
import { RequestLineError, submissionKey } from './translate-request.ts';

type CreateParams = Parameters<BatchApi['createBatch']>[0];

/** The submission's key: its file's sha256 (or the file id's) and its attempt (pure). */
export function createKey(params: CreateParams): string {
  const { inputFileId, metadata } = params;
  const sha =
    metadata['slicebatch_sha256'] ?? createHash('sha256').update(inputFileId).digest('hex');
  return submissionKey(sha, metadata['slicebatch_attempt'] ?? '1');
}

/** The port's createBatch: one create at a time. */
export function createBatchCall(ctx: AnthropicContext): BatchApi['createBatch'] {
  let chain: Promise<unknown> = Promise.resolve();
  return (params, options) => {
    const call = (): Promise<RemoteBatch> => sdk(options, () => createOnce(ctx, params, options));
    const run = chain.then(call, call);
    chain = run.catch(() => undefined);
    return run;
  };
}

async function createOnce(
  ctx: AnthropicContext,
  params: CreateParams,
  options: CallOptions | undefined,
): Promise<RemoteBatch> {
  const { inputFileId, endpoint, metadata } = params;
  const store = await ctx.ready();
  if (endpoint !== '/v1/chat/completions') {
    throw apiError({
      kind: 'permanent',
      message: `the anthropic provider sends chat requests only, not ${endpoint} (scenarios.*.endpoint "chat")`,
      maybeDone: false,
    });
  }
  const path = store.uploadPath(inputFileId);
  await stat(path).catch(() => {
    throw gone(`input file ${inputFileId}`);
  });
  const key = createKey(params);
  const earlier = store.intent(key)?.batchId;
  if (earlier !== undefined) {
    // This submission has its batch already: never a second one.
    const b = await ctx.batches.retrieve(earlier, {}, signalOf(options));
    return reportedBatch(ctx, checkedMessageBatch('messages.batches.retrieve', b), options);
  }
  const plan = await planRequests(path, key, store.idsPath(key)).catch((err: unknown) => {
    // A line the Messages API cannot take: this file fails for good, naming the line.
    if (!(err instanceof RequestLineError)) throw err;
    throw apiError({
      kind: 'permanent',
      message: `${metadata['slicebatch_file'] ?? inputFileId}: ${err.message}`,
      maybeDone: false,
    });
  });
  const waitMs = sameSizeLostUntil(store, key, plan.requests) - ctx.clock.now();
  if (waitMs > 0) {
    throw apiError({
      kind: 'transient',
      message: `another create of ${plan.requests} requests lost its answer: this one waits ${Math.ceil(waitMs / 1000)} s, until the two batches can be told apart (docs/providers.md)`,
      retryAfterMs: waitMs,
      maybeDone: false,
    });
  }
  const intent = {
    key,
    file_id: inputFileId,
    metadata,
    requests: plan.requests,
    model: plan.model,
  };
  return sendCreate(ctx, store, path, intent, options);
}

/** The create call itself, between the intent recorded before and the lost window after. */
async function sendCreate(
  ctx: AnthropicContext,
  store: AnthropicStore,
  path: string,
  intent: Omit<Extract<StoreRecord, { t: 'intent' }>, 't' | 'sent_at'>,
  options: CallOptions | undefined,
): Promise<RemoteBatch> {
  const { key } = intent;
  const sentAt = ctx.clock.now();
  await store.record({ t: 'intent', ...intent, sent_at: sentAt });
  try {
    const batch = await ctx.batches.create(
      { requests: [] },
      {
        body: requestBody(path, key),
        headers: { 'content-type': 'application/json' },
        maxRetries: 0,
        ...signalOf(options),
      },
    );
    const b = checkedMessageBatch('messages.batches.create', batch);
    await store.record({ t: 'created', key, batch_id: b.id, adopted: false });
    return remoteBatchOf(b, store.known(b.id));
  } catch (err) {
    const failure = classifyAnthropicError(err);
    if (failure?.maybeDone === true || (options?.signal?.aborted ?? false)) {
      await store.record({ t: 'lost', key, sent_at: sentAt, failed_at: ctx.clock.now() });
    }
    throw err;
  }
}
