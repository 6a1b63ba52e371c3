/**
 * A BatchApi that reports each failed call, by the kind the adapter classified it as, before
 * passing the error on: the daemon counts API errors by kind for its metrics.
 */
import { ApiError, type FailureKind } from '../errors.ts';
import type { BatchApi } from './batch-api.ts';

export function observedApi(
  api: BatchApi,
  onFailure: (kind: FailureKind | 'other') => void,
): BatchApi {
  const seen = (err: unknown): never => {
    // An aborted call (the stop) is not an API error.
    onFailure(err instanceof ApiError ? err.kind : 'other');
    throw err;
  };
  const call =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> =>
      f(...a).catch(seen);
  const iterate = <A extends unknown[], T>(f: (...a: A) => AsyncIterable<T>) =>
    async function* (...a: A): AsyncIterable<T> {
      try {
        yield* f(...a);
      } catch (err) {
        seen(err);
      }
    };
  return {
    uploadFile: call(api.uploadFile.bind(api)),
    listFiles: iterate(api.listFiles.bind(api)),
    deleteFile: call(api.deleteFile.bind(api)),
    createBatch: call(api.createBatch.bind(api)),
    retrieveBatch: call(api.retrieveBatch.bind(api)),
    listBatches: iterate(api.listBatches.bind(api)),
    cancelBatch: call(api.cancelBatch.bind(api)),
    downloadFile: call(api.downloadFile.bind(api)),
    ...(api.uploadedBytes === undefined ? {} : { uploadedBytes: api.uploadedBytes.bind(api) }),
  };
}
