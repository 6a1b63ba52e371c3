/**
 * The port to the OpenAI Files and Batch API: the operations slicebatch uses, in its own
 * types, so that everything above it is written (and tested) without the SDK. The only
 * implementation talks through the official `openai` SDK, so a real key works unchanged; its
 * answers are checked (answer-shapes.ts) before they leave it.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import OpenAI, { toStreamingFile } from 'openai';
import { checkedBatch, checkedFile } from './answer-shapes.ts';
import { createHttpClient, DownloadTimeoutError } from './http-client.ts';
import { plainApiId, plainOptionalApiId } from './api-ids.ts';

export interface RemoteFile {
  readonly id: string;
  readonly bytes: number;
  readonly created_at: number;
  readonly filename: string;
  readonly purpose: string;
  /** Unix seconds after which the API deletes the file (30 days for batch files by default). */
  readonly expires_at?: number | null | undefined;
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
  readonly usage?: BatchUsage | null | undefined;
}

export interface BatchUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly total_tokens: number;
  readonly input_tokens_details?: { readonly cached_tokens?: number | undefined } | undefined;
  readonly output_tokens_details?: { readonly reasoning_tokens?: number | undefined } | undefined;
}

export interface BatchApi {
  /**
   * Streams the file up. Not retried by the SDK (a streamed body cannot be resent). With
   * `expiresAfterS`, the API deletes it that long after its upload.
   */
  uploadFile(path: string, filename: string, expiresAfterS?: number): Promise<RemoteFile>;
  listFiles(purpose?: string): AsyncIterable<RemoteFile>;
  /** Deleting a file that does not exist is not an error. */
  deleteFile(id: string): Promise<void>;
  /** Never retried by the SDK: a retry after a lost answer would create (and bill) a second batch. */
  createBatch(params: {
    inputFileId: string;
    endpoint: string;
    metadata: Record<string, string>;
    /** How long the API keeps the batch's output and error files (seconds from their creation). */
    outputExpiresAfterS?: number;
  }): Promise<RemoteBatch>;
  retrieveBatch(id: string): Promise<RemoteBatch>;
  /** Newest first, page by page. */
  listBatches(): AsyncIterable<RemoteBatch>;
  cancelBatch(id: string): Promise<RemoteBatch>;
  /**
   * Streams a file's content to `path`. With `resumeFrom` (the bytes already in `path`), asks
   * for the rest only (an HTTP Range); a server that answers with the whole file instead gets
   * it written from the start. Returns the size of `path` afterwards.
   */
  downloadFile(id: string, path: string, resumeFrom?: number): Promise<number>;
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

/** A file the API described: the shape checked (answer-shapes.ts), then its id a plain name (api-ids.ts). */
function safeFile(call: string, f: unknown): RemoteFile {
  const checked = checkedFile(call, f);
  plainApiId('file id', checked.id, `the answer to ${call}`);
  return checked;
}

/** A batch the API described: the shape checked, then every id in it a plain name. */
function safeBatch(call: string, b: unknown): RemoteBatch {
  const checked = checkedBatch(call, b);
  const where = `the answer to ${call}`;
  plainApiId('batch id', checked.id, where);
  plainApiId('file id', checked.input_file_id, `${where}, input_file_id`);
  plainOptionalApiId('file id', checked.output_file_id, `${where}, output_file_id`);
  plainOptionalApiId('file id', checked.error_file_id, `${where}, error_file_id`);
  return checked;
}

/** The SDK client the adapter talks through, on its own HTTP client (http-client.ts). */
export function createSdkClient(settings: ClientSettings): OpenAI {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new OpenAI({
    apiKey: settings.apiKey,
    ...(settings.baseURL !== undefined ? { baseURL: settings.baseURL } : {}),
    ...(settings.organization !== undefined ? { organization: settings.organization } : {}),
    ...(settings.project !== undefined ? { project: settings.project } : {}),
    timeout: timeoutMs,
    maxRetries: settings.maxRetries ?? 2,
    fetch: createHttpClient(timeoutMs).fetch,
  });
}

const DEFAULT_TIMEOUT_MS = 600_000;

export function createOpenAIBatchApi(settings: ClientSettings): BatchApi {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = createSdkClient(settings);
  return {
    async uploadFile(path, filename, expiresAfterS) {
      const file = await client.files.create(
        {
          file: toStreamingFile(createReadStream(path), filename),
          purpose: 'batch',
          ...(expiresAfterS === undefined
            ? {}
            : { expires_after: { anchor: 'created_at', seconds: expiresAfterS } }),
        },
        { maxRetries: 0 },
      );
      return safeFile('files.create', file);
    },
    async *listFiles(purpose) {
      for await (const f of client.files.list(purpose === undefined ? {} : { purpose })) {
        yield safeFile('files.list', f);
      }
    },
    async deleteFile(id) {
      plainApiId('file id', id, 'deleting a file');
      try {
        await client.files.delete(id);
      } catch (err) {
        if (err instanceof OpenAI.NotFoundError) return;
        throw err;
      }
    },
    async createBatch({ inputFileId, endpoint, metadata, outputExpiresAfterS }) {
      const batch = await client.batches.create(
        {
          input_file_id: inputFileId,
          endpoint: endpoint as OpenAI.BatchCreateParams['endpoint'],
          completion_window: '24h',
          metadata,
          ...(outputExpiresAfterS === undefined
            ? {}
            : { output_expires_after: { anchor: 'created_at', seconds: outputExpiresAfterS } }),
        },
        { maxRetries: 0 },
      );
      return safeBatch('batches.create', batch);
    },
    async retrieveBatch(id) {
      plainApiId('batch id', id, 'retrieving a batch');
      return safeBatch('batches.retrieve', await client.batches.retrieve(id));
    },
    async *listBatches() {
      for await (const b of client.batches.list({ limit: 100 })) yield safeBatch('batches.list', b);
    },
    async cancelBatch(id) {
      plainApiId('batch id', id, 'cancelling a batch');
      return safeBatch('batches.cancel', await client.batches.cancel(id));
    },
    async downloadFile(id, path, resumeFrom = 0) {
      plainApiId('file id', id, 'downloading a file');
      // The SDK's timeout ends with the headers; this one runs until the last byte, so that a
      // server trickling the body cannot hold the poll step (the next try resumes from here).
      const deadline = new AbortController();
      let bytes = resumeFrom;
      const timer = setTimeout(
        () => deadline.abort(new DownloadTimeoutError(id, timeoutMs, bytes)),
        timeoutMs,
      );
      try {
        const res = await client.files.content(id, {
          signal: deadline.signal,
          ...(resumeFrom > 0 ? { headers: { Range: `bytes=${resumeFrom}-` } } : {}),
        });
        if (res.body === null) throw new Error(`file ${id} has no content`);
        const append = resumeFrom > 0 && res.status === 206;
        bytes = append ? resumeFrom : 0;
        await pipeline(
          Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
          async function* (source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              bytes += chunk.length;
              yield chunk;
            }
          },
          createWriteStream(path, { flags: append ? 'a' : 'w' }),
          { signal: deadline.signal },
        );
        return bytes;
      } catch (err) {
        if (deadline.signal.aborted) throw deadline.signal.reason as Error;
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
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
