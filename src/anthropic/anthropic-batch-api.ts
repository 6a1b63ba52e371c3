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
 */
import Anthropic from '@anthropic-ai/sdk';
import { copyFile, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { apiError } from '../errors.ts';
import type { BatchApi, CallOptions } from '../openai/batch-api.ts';
import { createHttpClient } from '../openai/http-client.ts';
import type { RemoteBatch } from '../openai/remote-types.ts';
import { fromAnthropicError, classifyAnthropicError } from './api-failure.ts';
import {
  ERRORS_PREFIX,
  OUTPUT_PREFIX,
  remoteBatchOf,
  type MessageBatchLike,
} from './batch-object.ts';
import { openAnthropicStore, type AnthropicStore } from './anthropic-store.ts';
import { planRequests, requestBody } from './request-stream.ts';
import { writeResultFiles } from './results-file.ts';
import type { AnthropicResultLine } from './translate-result.ts';
import { RequestLineError, submissionKey } from './translate-request.ts';
import { checkedMessageBatch } from './batch-shape.ts';
import { plainApiId } from '../openai/api-ids.ts';
import { createLostCreates, keyOfBatch, sameSizeLostUntil } from './lost-creates.ts';

export { ANTHROPIC_LIMITS } from './lost-creates.ts';

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

const signalOf = (o: CallOptions | undefined): { signal?: AbortSignal } =>
  o?.signal === undefined ? {} : { signal: o.signal };

async function sdk<T>(options: CallOptions | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw fromAnthropicError(err, options?.signal);
  }
}

const gone = (what: string): Error =>
  apiError({ kind: 'permanent', status: 404, message: `${what}: not found`, maybeDone: false });

export function createAnthropicBatchApi(settings: AnthropicSettings): BatchApi {
  const { clock } = settings;
  let opening: Promise<AnthropicStore> | undefined;
  const ready = (): Promise<AnthropicStore> =>
    (opening ??=
      typeof settings.store === 'string'
        ? openAnthropicStore(settings.store)
        : Promise.resolve(settings.store));
  const timeoutMs = settings.timeoutMs ?? 600_000;
  const client = new Anthropic({
    apiKey: settings.apiKey,
    ...(settings.baseURL === undefined ? {} : { baseURL: settings.baseURL }),
    timeout: timeoutMs,
    maxRetries: settings.maxRetries ?? 2,
    fetch: createHttpClient(timeoutMs).fetch,
  });
  const batches = client.messages.batches;

  let chain: Promise<unknown> = Promise.resolve();
  const serially = <T>(call: () => Promise<T>): Promise<T> => {
    const run = chain.then(call, call);
    chain = run.catch(() => undefined);
    return run;
  };

  /** Translates an ended batch's results once; the batch as the port reports it afterwards. */
  async function mapped(b: MessageBatchLike, options?: CallOptions): Promise<RemoteBatch> {
    const store = await ready();
    const key = keyOfBatch(store, b.id);
    const known = store.known(b.id);
    if (b.processing_status === 'ended' && key !== undefined && known?.prepared === false) {
      try {
        const usage = await writeResultFiles({
          lines: (await batches.results(
            b.id,
            {},
            signalOf(options),
          )) as AsyncIterable<AnthropicResultLine>,
          key,
          ids: await readIds(store, key),
          resultsPath: store.resultPath(b.id, 'results'),
          errorsPath: store.resultPath(b.id, 'errors'),
          nowS: Math.floor(clock.now() / 1000),
        });
        await store.record({ t: 'prepared', batch_id: b.id, usage });
      } catch (err) {
        if (options?.signal?.aborted === true) throw options.signal.reason as Error;
        // The batch stays `finalizing` and its results are read again on the next look.
        const failure = fromAnthropicError(err);
        settings.warn?.(
          `anthropic batch ${b.id}: its results could not be read yet (${failure instanceof Error ? failure.message : String(failure)}); tried again next time`,
        );
      }
    }
    return remoteBatchOf(b, store.known(b.id));
  }

  async function readIds(store: AnthropicStore, key: string): Promise<string[]> {
    return (await store.readIds(key)).map((l) => JSON.parse(l) as string);
  }

  const { match, sweepAfterLoss } = createLostCreates({
    batches,
    ready,
    // Without a logger, a process warning (stderr): a second batch is never silent.
    warn: settings.warn ?? ((m) => process.emitWarning(m, { code: 'SLICEBATCH_ANTHROPIC' })),
  });

  return {
    uploadFile: async (path, filename) => (await ready()).keepUpload(path, filename, clock.now()),
    listFiles: async function* () {
      yield* await (await ready()).listUploads();
    },
    deleteFile: async (id) => {
      const store = await ready();
      if (id.startsWith(OUTPUT_PREFIX)) {
        await rm(store.resultPath(id.slice(OUTPUT_PREFIX.length), 'results'), { force: true });
      } else if (id.startsWith(ERRORS_PREFIX)) {
        await rm(store.resultPath(id.slice(ERRORS_PREFIX.length), 'errors'), { force: true });
      } else await store.deleteUpload(id);
    },
    createBatch: ({ inputFileId, endpoint, metadata }, options) =>
      // One create at a time: the window of a lost answer is told apart from the next one's.
      serially(() =>
        sdk(options, async () => {
          const store = await ready();
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
          const sha =
            metadata['slicebatch_sha256'] ?? createHash('sha256').update(inputFileId).digest('hex');
          const key = submissionKey(sha, metadata['slicebatch_attempt'] ?? '1');
          const earlier = store.intent(key);
          if (earlier?.batchId !== undefined) {
            // This submission has its batch already: never a second one.
            return mapped(
              checkedMessageBatch(
                'messages.batches.retrieve',
                await batches.retrieve(earlier.batchId, {}, signalOf(options)),
              ),
              options,
            );
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
          const waitMs = sameSizeLostUntil(store, key, plan.requests) - clock.now();
          if (waitMs > 0) {
            throw apiError({
              kind: 'transient',
              message: `another create of ${plan.requests} requests lost its answer: this one waits ${Math.ceil(waitMs / 1000)} s, until the two batches can be told apart (docs/providers.md)`,
              retryAfterMs: waitMs,
              maybeDone: false,
            });
          }
          const sentAt = clock.now();
          await store.record({
            t: 'intent',
            key,
            file_id: inputFileId,
            metadata,
            requests: plan.requests,
            model: plan.model,
            sent_at: sentAt,
          });
          try {
            const batch = await batches.create(
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
              await store.record({ t: 'lost', key, sent_at: sentAt, failed_at: clock.now() });
            }
            throw err;
          }
        }),
      ),
    retrieveBatch: (id, options) =>
      sdk(options, async () => {
        plainApiId('batch id', id, 'retrieving a batch');
        const b = checkedMessageBatch(
          'messages.batches.retrieve',
          await batches.retrieve(id, {}, signalOf(options)),
        );
        await match(b);
        await sweepAfterLoss(b, options);
        return mapped(b, options);
      }),
    listBatches: (options) =>
      (async function* () {
        try {
          for await (const listed of batches.list({ limit: 100 }, signalOf(options))) {
            const b = checkedMessageBatch('messages.batches.list', listed);
            await match(b);
            yield await mapped(b, options);
          }
        } catch (err) {
          throw fromAnthropicError(err, options?.signal);
        }
      })(),
    cancelBatch: (id, options) =>
      sdk(options, async () => {
        plainApiId('batch id', id, 'cancelling a batch');
        const b = await batches.cancel(id, {}, signalOf(options));
        return mapped(checkedMessageBatch('messages.batches.cancel', b), options);
      }),
    downloadFile: (id, path, _resumeFrom, options) =>
      sdk(options, async () => {
        const store = await ready();
        const results = id.startsWith(OUTPUT_PREFIX);
        const from = results
          ? store.resultPath(id.slice(OUTPUT_PREFIX.length), 'results')
          : id.startsWith(ERRORS_PREFIX)
            ? store.resultPath(id.slice(ERRORS_PREFIX.length), 'errors')
            : store.uploadPath(id);
        // The local copy is whole or absent: the file is written from the start.
        await copyFile(from, path).catch(() => {
          throw gone(`file ${id}`);
        });
        return (await stat(path)).size;
      }),
  };
}
