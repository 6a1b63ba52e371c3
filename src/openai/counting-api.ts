/** An API whose calls are counted (benchmarks, tests of "one list, not a call per job"). */
import type { BatchApi } from './port-types.ts';

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
