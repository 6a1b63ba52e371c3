/**
 * The port to the Files and Batch API, as the rest of slicebatch sees it: the operations it
 * uses, in its own types (BatchApi), so that everything above it is written and tested without
 * an SDK. Implemented over OpenAI's SDK (batch-api.ts) and Anthropic's (src/anthropic/).
 */
export type { BatchUsage, RemoteBatch, RemoteBatchError, RemoteFile } from './remote-types.ts';
import type { RemoteBatch, RemoteFile } from './remote-types.ts';

/** Per call: `signal` aborts the request (the daemon's stop deadline). */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
}

/** A listing's call: how many items a page asks for (a look at the newest: 1). */
export interface ListOptions extends CallOptions {
  readonly pageSize?: number | undefined;
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
  /** Newest first, page by page (`pageSize` a page, 100 unless given). */
  listBatches(options?: ListOptions): AsyncIterable<RemoteBatch>;
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
