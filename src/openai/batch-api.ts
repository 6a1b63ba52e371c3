/**
 * The port to the OpenAI Files and Batch API: the operations slicebatch uses, in its own
 * types, so that everything above it is written (and tested) without the SDK. The only
 * implementation talks through the official `openai` SDK, so a real key works unchanged; its
 * answers are checked (answer-shapes.ts) before they leave it. A failed call throws one of the
 * ApiError classes of errors.ts (classified once, api-failure.ts); a call aborted by its signal
 * throws the signal's reason.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import OpenAI, { toStreamingFile } from 'openai';
import { checkedBatch, checkedFile } from './answer-shapes.ts';
import { createHttpClient, DownloadTimeoutError } from './http-client.ts';
import { plainApiId, plainOptionalApiId } from './api-ids.ts';
import { fromSdkError } from './api-failure.ts';
import { isIdentity, rewrittenLines, rewrittenSize, type LineRewrite } from './request-lines.ts';

export type { BatchUsage, RemoteBatch, RemoteBatchError, RemoteFile } from './remote-types.ts';
import type { RemoteBatch, RemoteFile } from './remote-types.ts';

/** Per call: `signal` aborts the request (the daemon's stop deadline). */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

export interface BatchApi {
  /**
   * Streams the file up. Not retried by the SDK (a streamed body cannot be resent). With
   * `expiresAfterS`, the API deletes it that long after its upload.
   */
  uploadFile(
    path: string,
    filename: string,
    expiresAfterS?: number,
    options?: CallOptions,
  ): Promise<RemoteFile>;
  listFiles(purpose?: string, options?: CallOptions): AsyncIterable<RemoteFile>;
  /** Deleting a file that does not exist is not an error. */
  deleteFile(id: string, options?: CallOptions): Promise<void>;
  /** Never retried by the SDK: a retry after a lost answer would create (and bill) a second batch. */
  createBatch(
    params: {
      inputFileId: string;
      endpoint: string;
      metadata: Record<string, string>;
      /** How long the API keeps the batch's output and error files (seconds from their creation). */
      outputExpiresAfterS?: number;
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
  /**
   * The size the server will give an upload of `path`, when the adapter rewrites the request
   * lines on their way up (Azure, compatible servers); absent: the file's own size. A lost
   * upload is found again by its name and this size.
   */
  uploadedBytes?(path: string): Promise<number>;
}

/** Where an OpenAI-shaped provider differs from OpenAI in the calls this adapter makes. */
export interface Dialect {
  /** Sent with every batch. */
  readonly completionWindow: string;
  /** The `expires_after` seconds the provider accepts (clamped into), or null: never sent. */
  readonly fileExpiry: { readonly minS: number; readonly maxS: number } | null;
  /** The `output_expires_after` seconds the provider accepts, or null: never sent. */
  readonly outputExpiry: { readonly minS: number; readonly maxS: number } | null;
  /** How request lines are rewritten on their way up. */
  readonly lines: LineRewrite;
  /** The batch endpoint as the provider names it (ours: `/v1/chat/completions`). */
  readonly endpoint: (endpoint: string) => string;
}

const DAY_S = 86_400;
export const OPENAI_DIALECT: Dialect = {
  completionWindow: '24h',
  fileExpiry: { minS: 3600, maxS: 30 * DAY_S },
  outputExpiry: { minS: 3600, maxS: 30 * DAY_S },
  lines: {},
  endpoint: (e) => e,
};

function clampedExpiry(
  seconds: number | undefined,
  range: { readonly minS: number; readonly maxS: number } | null,
): number | undefined {
  if (seconds === undefined || range === null) return undefined;
  return Math.min(range.maxS, Math.max(range.minS, seconds));
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
  return batchApiOnClient(
    createSdkClient(settings),
    settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    OPENAI_DIALECT,
  );
}

/** The port on an SDK client (OpenAI's, or its AzureOpenAI), speaking the provider's dialect. */
export function batchApiOnClient(client: OpenAI, timeoutMs: number, dialect: Dialect): BatchApi {
  const rewrites = !isIdentity(dialect.lines);
  return {
    ...(rewrites ? { uploadedBytes: (path: string) => rewrittenSize(path, dialect.lines) } : {}),
    uploadFile: (path, filename, expiresAfterS, options) =>
      sdk(options, async () => {
        const seconds = clampedExpiry(expiresAfterS, dialect.fileExpiry);
        const file = await client.files.create(
          {
            file: toStreamingFile(
              rewrites ? rewrittenLines(path, dialect.lines) : createReadStream(path),
              filename,
            ),
            purpose: 'batch',
            ...(seconds === undefined ? {} : { expires_after: { anchor: 'created_at', seconds } }),
          },
          { maxRetries: 0, ...signalOf(options) },
        );
        return safeFile('files.create', file);
      }),
    listFiles: (purpose, options) =>
      sdkPages(options, async function* () {
        const files = client.files.list(
          purpose === undefined ? {} : { purpose },
          signalOf(options),
        );
        for await (const f of files) yield safeFile('files.list', f);
      }),
    deleteFile: (id, options) =>
      sdk(options, async () => {
        plainApiId('file id', id, 'deleting a file');
        try {
          await client.files.delete(id, signalOf(options));
        } catch (err) {
          if (err instanceof OpenAI.NotFoundError) return;
          throw err;
        }
      }),
    createBatch: ({ inputFileId, endpoint, metadata, outputExpiresAfterS }, options) =>
      sdk(options, async () => {
        const seconds = clampedExpiry(outputExpiresAfterS, dialect.outputExpiry);
        const batch = await client.batches.create(
          {
            input_file_id: inputFileId,
            endpoint: dialect.endpoint(endpoint) as OpenAI.BatchCreateParams['endpoint'],
            completion_window:
              dialect.completionWindow as OpenAI.BatchCreateParams['completion_window'],
            metadata,
            ...(seconds === undefined
              ? {}
              : { output_expires_after: { anchor: 'created_at', seconds } }),
          },
          { maxRetries: 0, ...signalOf(options) },
        );
        return safeBatch('batches.create', batch);
      }),
    retrieveBatch: (id, options) =>
      sdk(options, async () => {
        plainApiId('batch id', id, 'retrieving a batch');
        return safeBatch('batches.retrieve', await client.batches.retrieve(id, signalOf(options)));
      }),
    listBatches: (options) =>
      sdkPages(options, async function* () {
        const batches = client.batches.list({ limit: 100 }, signalOf(options));
        for await (const b of batches) yield safeBatch('batches.list', b);
      }),
    cancelBatch: (id, options) =>
      sdk(options, async () => {
        plainApiId('batch id', id, 'cancelling a batch');
        return safeBatch('batches.cancel', await client.batches.cancel(id, signalOf(options)));
      }),
    downloadFile: (id, path, resumeFrom = 0, options) =>
      sdk(options, async () => {
        plainApiId('file id', id, 'downloading a file');
        // The SDK's timeout ends with the headers; this one runs until the last byte, so that a
        // server trickling the body cannot hold the poll step (the next try resumes from here).
        const deadline = new AbortController();
        let bytes = resumeFrom;
        const timer = setTimeout(
          () => deadline.abort(new DownloadTimeoutError(id, timeoutMs, bytes)),
          timeoutMs,
        );
        // The stop's signal aborts the download too (its reason is what the call throws).
        const signal =
          options?.signal === undefined
            ? deadline.signal
            : AbortSignal.any([deadline.signal, options.signal]);
        try {
          const res = await client.files.content(id, {
            signal,
            ...(resumeFrom > 0 ? { headers: { Range: `bytes=${resumeFrom}-` } } : {}),
          });
          if (res.body === null) throw new Error(`file ${id} has no content`);
          const append = resumeFrom > 0 && res.status === 206;
          bytes = append ? resumeFrom : 0;
          const file = createWriteStream(path, { flags: append ? 'a' : 'w' });
          // The pipeline reports the file's errors; one that comes after it ended (a write
          // still queued when an abort destroyed the file) must not end the process.
          file.on('error', () => undefined);
          await pipeline(
            Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
            async function* (source: AsyncIterable<Buffer>) {
              for await (const chunk of source) {
                bytes += chunk.length;
                yield chunk;
              }
            },
            file,
            { signal },
          );
          return bytes;
        } catch (err) {
          if (options?.signal?.aborted === true) throw options.signal.reason as Error;
          if (deadline.signal.aborted) throw deadline.signal.reason as Error;
          throw err;
        } finally {
          clearTimeout(timer);
        }
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
      ...(api.uploadedBytes === undefined ? {} : { uploadedBytes: api.uploadedBytes.bind(api) }),
    },
  };
}
