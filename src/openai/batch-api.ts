/**
 * The port to the OpenAI Files and Batch API: the operations slicebatch uses, in its own
 * types, so that everything above it is written (and tested) without the SDK. The only
 * implementation talks through the official `openai` SDK, so a real key works unchanged. A
 * failed call throws one of the ApiError classes of errors.ts (classified once, api-failure.ts);
 * a call aborted by its signal throws the signal's reason.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import OpenAI, { toStreamingFile } from 'openai';
import { fromSdkError } from './api-failure.ts';

export interface RemoteFile {
  readonly id: string;
  readonly bytes: number;
  readonly created_at: number;
  readonly filename: string;
  readonly purpose: string;
}

export interface RemoteBatchError {
  readonly code?: string | undefined;
  readonly message?: string | undefined;
  readonly param?: string | null | undefined;
  readonly line?: number | null | undefined;
}

export interface RemoteBatch {
  readonly id: string;
  readonly status: string;
  readonly endpoint: string;
  readonly model?: string | null | undefined;
  readonly input_file_id: string;
  readonly output_file_id?: string | null | undefined;
  readonly error_file_id?: string | null | undefined;
  readonly created_at: number;
  readonly in_progress_at?: number | null | undefined;
  readonly expires_at?: number | null | undefined;
  readonly finalizing_at?: number | null | undefined;
  readonly completed_at?: number | null | undefined;
  readonly failed_at?: number | null | undefined;
  readonly expired_at?: number | null | undefined;
  readonly cancelling_at?: number | null | undefined;
  readonly cancelled_at?: number | null | undefined;
  readonly request_counts?: { total: number; completed: number; failed: number } | null | undefined;
  readonly errors?: { data?: RemoteBatchError[] | null | undefined } | null | undefined;
  readonly metadata?: Record<string, string> | null | undefined;
  readonly usage?:
    { input_tokens: number; output_tokens: number; total_tokens: number } | null | undefined;
}

/** Per call: `signal` aborts the request (the daemon's stop deadline). */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

export interface BatchApi {
  /** Streams the file up. Not retried by the SDK (a streamed body cannot be resent). */
  uploadFile(path: string, filename: string, options?: CallOptions): Promise<RemoteFile>;
  listFiles(purpose?: string, options?: CallOptions): AsyncIterable<RemoteFile>;
  /** Deleting a file that does not exist is not an error. */
  deleteFile(id: string, options?: CallOptions): Promise<void>;
  /** Never retried by the SDK: a retry after a lost answer would create (and bill) a second batch. */
  createBatch(
    params: {
      inputFileId: string;
      endpoint: string;
      metadata: Record<string, string>;
    },
    options?: CallOptions,
  ): Promise<RemoteBatch>;
  retrieveBatch(id: string, options?: CallOptions): Promise<RemoteBatch>;
  /** Newest first, page by page. */
  listBatches(options?: CallOptions): AsyncIterable<RemoteBatch>;
  cancelBatch(id: string, options?: CallOptions): Promise<RemoteBatch>;
  /**
   * Streams a file's content to `path`. With `resumeFrom` (the bytes already in `path`), asks
   * for the rest only (an HTTP Range); a server that answers with the whole file instead gets
   * it written from the start. Returns the size of `path` afterwards.
   */
  downloadFile(
    id: string,
    path: string,
    resumeFrom?: number,
    options?: CallOptions,
  ): Promise<number>;
}

export interface ClientSettings {
  readonly apiKey: string;
  readonly baseURL?: string | undefined;
  readonly organization?: string | undefined;
  readonly project?: string | undefined;
  readonly timeoutMs?: number | undefined;
  /** SDK retries for the calls where a retry cannot do harm. */
  readonly maxRetries?: number | undefined;
}

function signalOf(options: CallOptions | undefined): { signal?: AbortSignal } {
  return options?.signal === undefined ? {} : { signal: options.signal };
}

/** One SDK call, its failure thrown as slicebatch's own error. */
async function sdk<T>(options: CallOptions | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw fromSdkError(err, options?.signal);
  }
}

/** An SDK listing, page by page, its failure thrown as slicebatch's own error. */
async function* sdkPages<T>(
  options: CallOptions | undefined,
  list: () => AsyncIterable<T>,
): AsyncIterable<T> {
  try {
    for await (const item of list()) yield item;
  } catch (err) {
    throw fromSdkError(err, options?.signal);
  }
}

export function createOpenAIBatchApi(settings: ClientSettings): BatchApi {
  const client = new OpenAI({
    apiKey: settings.apiKey,
    ...(settings.baseURL !== undefined ? { baseURL: settings.baseURL } : {}),
    ...(settings.organization !== undefined ? { organization: settings.organization } : {}),
    ...(settings.project !== undefined ? { project: settings.project } : {}),
    timeout: settings.timeoutMs ?? 600_000,
    maxRetries: settings.maxRetries ?? 2,
  });
  return {
    uploadFile: (path, filename, options) =>
      sdk(options, () =>
        client.files.create(
          { file: toStreamingFile(createReadStream(path), filename), purpose: 'batch' },
          { maxRetries: 0, ...signalOf(options) },
        ),
      ),
    listFiles: (purpose, options) =>
      sdkPages(options, () =>
        client.files.list(purpose === undefined ? {} : { purpose }, signalOf(options)),
      ),
    deleteFile: (id, options) =>
      sdk(options, async () => {
        try {
          await client.files.delete(id, signalOf(options));
        } catch (err) {
          if (err instanceof OpenAI.NotFoundError) return;
          throw err;
        }
      }),
    createBatch: ({ inputFileId, endpoint, metadata }, options) =>
      sdk(options, () =>
        client.batches.create(
          {
            input_file_id: inputFileId,
            endpoint: endpoint as OpenAI.BatchCreateParams['endpoint'],
            completion_window: '24h',
            metadata,
          },
          { maxRetries: 0, ...signalOf(options) },
        ),
      ),
    retrieveBatch: (id, options) =>
      sdk(options, () => client.batches.retrieve(id, signalOf(options))),
    listBatches: (options) =>
      sdkPages(options, () => client.batches.list({ limit: 100 }, signalOf(options))),
    cancelBatch: (id, options) => sdk(options, () => client.batches.cancel(id, signalOf(options))),
    downloadFile: (id, path, resumeFrom = 0, options) =>
      sdk(options, async () => {
        const res = await client.files.content(id, {
          ...(resumeFrom > 0 ? { headers: { Range: `bytes=${resumeFrom}-` } } : {}),
          ...signalOf(options),
        });
        if (res.body === null) throw new Error(`file ${id} has no content`);
        const append = resumeFrom > 0 && res.status === 206;
        let bytes = append ? resumeFrom : 0;
        await pipeline(
          Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              bytes += chunk.length;
              yield chunk;
            }
          },
          createWriteStream(path, { flags: append ? 'a' : 'w' }),
          signalOf(options),
        );
        return bytes;
      }),
  };
}

/** Counts the calls made through an API (benchmarks, tests of "one list, not a call per job"). */
export function countingApi(api: BatchApi): { api: BatchApi; calls: Map<keyof BatchApi, number> } {
  const calls = new Map<keyof BatchApi, number>();
  const count = (name: keyof BatchApi): void => void calls.set(name, (calls.get(name) ?? 0) + 1);
  return {
    calls,
    api: {
      uploadFile: (...a) => (count('uploadFile'), api.uploadFile(...a)),
      async *listFiles(...a) {
        count('listFiles');
        yield* api.listFiles(...a);
      },
      deleteFile: (...a) => (count('deleteFile'), api.deleteFile(...a)),
      createBatch: (...a) => (count('createBatch'), api.createBatch(...a)),
      retrieveBatch: (...a) => (count('retrieveBatch'), api.retrieveBatch(...a)),
      async *listBatches(...a) {
        count('listBatches');
        yield* api.listBatches(...a);
      },
      cancelBatch: (...a) => (count('cancelBatch'), api.cancelBatch(...a)),
      downloadFile: (...a) => (count('downloadFile'), api.downloadFile(...a)),
    },
  };
}
