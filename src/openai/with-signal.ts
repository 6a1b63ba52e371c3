/**
 * A BatchApi whose every call carries `signal` (unless the caller gives its own): the daemon
 * binds its stop signal once, so every API call of every step is aborted at the stop deadline
 * without each call site passing it.
 */
import type { BatchApi, CallOptions } from './batch-api.ts';

export function withSignal(api: BatchApi, signal: AbortSignal): BatchApi {
  const bound = (options: CallOptions | undefined): CallOptions => ({
    ...options,
    signal: options?.signal ?? signal,
  });
  return {
    uploadFile: (path, filename, expiresAfterS, options) =>
      api.uploadFile(path, filename, expiresAfterS, bound(options)),
    listFiles: (purpose, options) => api.listFiles(purpose, bound(options)),
    deleteFile: (id, options) => api.deleteFile(id, bound(options)),
    createBatch: (params, options) => api.createBatch(params, bound(options)),
    retrieveBatch: (id, options) => api.retrieveBatch(id, bound(options)),
    listBatches: (options) => api.listBatches({ ...options, signal: options?.signal ?? signal }),
    cancelBatch: (id, options) => api.cancelBatch(id, bound(options)),
    downloadFile: (id, path, resumeFrom, options) =>
      api.downloadFile(id, path, resumeFrom, bound(options)),
    ...(api.uploadedBytes === undefined ? {} : { uploadedBytes: api.uploadedBytes.bind(api) }),
  };
}
