/**
 * The port to the OpenAI Files and Batch API (its types: port-types.ts, re-exported here), so
 * that everything above it is written (and tested) without the SDK. This implementation talks
 * through the official `openai` SDK, so a real key works unchanged; its
 * answers are checked (answer-shapes.ts) before they leave it. A failed call throws one of the
 * ApiError classes of errors.ts (classified once, api-failure.ts); a call aborted by its signal
 * throws the signal's reason.
 *
 * Its pieces: where a provider's dialect differs (dialect.ts), a call made safe (sdk-calls.ts),
 * a download (file-download.ts), calls counted (counting-api.ts).
 */
import { createReadStream } from 'node:fs';
import OpenAI, { toStreamingFile } from 'openai';
import { createHttpClient } from './http-client.ts';
import { plainApiId } from './api-ids.ts';
import { clampedExpiry, OPENAI_DIALECT, type Dialect } from './dialect.ts';
import { downloadFile } from './file-download.ts';
import { isIdentity, rewrittenLines, rewrittenSize } from './request-lines.ts';
import { safeBatch, safeFile, sdk, sdkPages, signalOf } from './sdk-calls.ts';

export { countingApi } from './counting-api.ts';
export { OPENAI_DIALECT, type Dialect } from './dialect.ts';
export type {
  BatchApi,
  BatchUsage,
  CallOptions,
  ListOptions,
  RemoteBatch,
  RemoteBatchError,
  RemoteFile,
} from './port-types.ts';
import type { BatchApi } from './port-types.ts';

export interface ClientSettings {
  readonly apiKey: string;
  readonly baseURL?: string | undefined;
  readonly organization?: string | undefined;
  readonly project?: string | undefined;
  readonly timeoutMs?: number | undefined;
  /** SDK retries for the calls where a retry cannot do harm. */
  readonly maxRetries?: number | undefined;
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

/** The create call's parameters, in the provider's dialect (pure). */
export function batchParams(
  params: Parameters<BatchApi['createBatch']>[0],
  dialect: Dialect,
): OpenAI.BatchCreateParams {
  const seconds = clampedExpiry(params.outputExpiresAfterS, dialect.outputExpiry);
  return {
    input_file_id: params.inputFileId,
    endpoint: dialect.endpoint(params.endpoint) as OpenAI.BatchCreateParams['endpoint'],
    completion_window: dialect.completionWindow as OpenAI.BatchCreateParams['completion_window'],
    metadata: params.metadata,
    ...(seconds === undefined ? {} : { output_expires_after: { anchor: 'created_at', seconds } }),
  };
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
    createBatch: (params, options) =>
      sdk(options, async () => {
        const batch = await client.batches.create(batchParams(params, dialect), {
          maxRetries: 0,
          ...signalOf(options),
        });
        return safeBatch('batches.create', batch);
      }),
    retrieveBatch: (id, options) =>
      sdk(options, async () => {
        plainApiId('batch id', id, 'retrieving a batch');
        return safeBatch('batches.retrieve', await client.batches.retrieve(id, signalOf(options)));
      }),
    listBatches: (options) =>
      sdkPages(options, async function* () {
        const batches = client.batches.list({ limit: options?.pageSize ?? 100 }, signalOf(options));
        for await (const b of batches) yield safeBatch('batches.list', b);
      }),
    cancelBatch: (id, options) =>
      sdk(options, async () => {
        plainApiId('batch id', id, 'cancelling a batch');
        return safeBatch('batches.cancel', await client.batches.cancel(id, signalOf(options)));
      }),
    downloadFile: (id, path, resumeFrom = 0, options) =>
      sdk(options, () => downloadFile(client, timeoutMs, { id, path, resumeFrom }, options)),
  };
}
