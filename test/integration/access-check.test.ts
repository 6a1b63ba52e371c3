/**
 * The daemon's start-up access check (one listing of the batches) comes before every other
 * call to the API: the first poll and submit steps wait for it. So it is always the first
 * `GET /v1/batches`, and a fault profile that counts listings (`nth`) counts it first, run
 * after run, however quickly the other steps get going.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchApi } from '../../src/openai/batch-api.ts';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { quickEmulator, startTestDaemon, waitFor } from '../support/daemon.ts';
import { tempDir } from '../support/temp-dir.ts';

/** The API with each call's start and end written down, in order. */
function recordingApi(api: BatchApi, events: string[]): BatchApi {
  const call =
    <A extends unknown[], R>(name: string, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      events.push(`start ${name}`);
      try {
        return await f(...a);
      } finally {
        events.push(`end ${name}`);
      }
    };
  const pages = <A extends unknown[], R>(name: string, f: (...a: A) => AsyncIterable<R>) =>
    async function* (...a: A): AsyncIterable<R> {
      events.push(`start ${name}`);
      try {
        yield* f(...a);
      } finally {
        events.push(`end ${name}`);
      }
    };
  return {
    ...api,
    uploadFile: call('uploadFile', api.uploadFile.bind(api)),
    deleteFile: call('deleteFile', api.deleteFile.bind(api)),
    createBatch: call('createBatch', api.createBatch.bind(api)),
    retrieveBatch: call('retrieveBatch', api.retrieveBatch.bind(api)),
    cancelBatch: call('cancelBatch', api.cancelBatch.bind(api)),
    downloadFile: call('downloadFile', api.downloadFile.bind(api)),
    listFiles: pages('listFiles', api.listFiles.bind(api)),
    listBatches: pages('listBatches', api.listBatches.bind(api)),
  };
}

test('the start-up access check is the first call: no step calls the API before it has its answer', async (t) => {
  // The check's listing answers slowly; files wait to be submitted from the start.
  const { emulator } = await quickEmulator(t, {
    faults: { http: [{ route: 'GET /v1/batches', kind: 'slow', delay_ms: 1500, nth: [1] }] },
  });
  const dir = await tempDir(t);
  await writeBatchInputs(dir, 2, 2);
  const events: string[] = [];
  const d = await startTestDaemon(t, {
    dataDir: dir,
    emulator,
    api: (api) => recordingApi(api, events),
  });
  await waitFor('both files submitted', () =>
    events.filter((e) => e === 'end createBatch').length >= 2 ? true : undefined,
  );
  await d.stop();
  const checked = events.indexOf('end listBatches');
  assert.deepEqual(
    events.slice(0, checked + 1),
    ['start listBatches', 'end listBatches'],
    `the check's listing first, alone: ${events.slice(0, 8).join(', ')}`,
  );
  assert.equal(
    d.log.logRecords().filter((r) => r.msg === 'the built-in emulator answers').length,
    1,
    'the check is made once',
  );
});
