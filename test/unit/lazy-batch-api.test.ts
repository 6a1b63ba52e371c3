/**
 * lazyBatchApi (the Anthropic adapter's, loaded at its first call): every call goes to the
 * adapter that `load` makes, once, with its arguments and its answer (lists too); a load that
 * fails fails every call with its error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lazyBatchApi } from '../../src/anthropic/from-config.ts';
import type { BatchApi } from '../../src/openai/batch-api.ts';

test('lazyBatchApi loads its adapter once, at the first call, and hands every call to it', async () => {
  const calls: string[] = [];
  const answer = (name: string, args: unknown[]) => {
    calls.push(`${name} ${JSON.stringify(args)}`);
    return { id: `${name}-answer` };
  };
  const called =
    (name: string) =>
    (...args: unknown[]) =>
      Promise.resolve(answer(name, args));
  async function* listed(name: string, args: unknown[], ids: string[]) {
    answer(name, args);
    for (const id of ids) yield await Promise.resolve({ id });
  }
  const adapter = {
    uploadFile: called('uploadFile'),
    listFiles: (...args: unknown[]) => listed('listFiles', args, ['file_1', 'file_2']),
    deleteFile: (...args: unknown[]) => Promise.resolve(void answer('deleteFile', args)),
    createBatch: called('createBatch'),
    retrieveBatch: called('retrieveBatch'),
    listBatches: (...args: unknown[]) => listed('listBatches', args, ['batch_1']),
    cancelBatch: called('cancelBatch'),
    downloadFile: (...args: unknown[]) => Promise.resolve((answer('downloadFile', args), 42)),
  } as unknown as BatchApi;
  let loads = 0;
  const api = lazyBatchApi(() => {
    loads++;
    return Promise.resolve(adapter);
  });
  assert.equal(loads, 0, 'nothing loaded before the first call');

  assert.deepEqual(await api.uploadFile('/in.jsonl', 'in.jsonl', 60), { id: 'uploadFile-answer' });
  const files = [];
  for await (const f of api.listFiles('batch')) files.push(f.id);
  assert.deepEqual(files, ['file_1', 'file_2']);
  await api.deleteFile('file_1');
  const params = { inputFileId: 'file_1', endpoint: '/v1/chat/completions', metadata: {} };
  assert.deepEqual(await api.createBatch(params), { id: 'createBatch-answer' });
  assert.deepEqual(await api.retrieveBatch('batch_1'), { id: 'retrieveBatch-answer' });
  const batches = [];
  for await (const b of api.listBatches({ pageSize: 5 })) batches.push(b.id);
  assert.deepEqual(batches, ['batch_1']);
  assert.deepEqual(await api.cancelBatch('batch_1'), { id: 'cancelBatch-answer' });
  assert.equal(await api.downloadFile('file_2', '/out.jsonl', 10), 42);

  assert.equal(loads, 1, 'loaded once');
  assert.deepEqual(calls, [
    'uploadFile ["/in.jsonl","in.jsonl",60]',
    'listFiles ["batch"]',
    'deleteFile ["file_1"]',
    `createBatch [${JSON.stringify(params)}]`,
    'retrieveBatch ["batch_1"]',
    'listBatches [{"pageSize":5}]',
    'cancelBatch ["batch_1"]',
    'downloadFile ["file_2","/out.jsonl",10]',
  ]);
});

test('lazyBatchApi: a load that fails fails every call with its error, and is not tried again', async () => {
  let loads = 0;
  const api = lazyBatchApi(() => {
    loads++;
    return Promise.reject(new Error('no such module'));
  });
  await assert.rejects(api.retrieveBatch('batch_1'), /no such module/);
  await assert.rejects(async () => {
    for await (const _ of api.listBatches()) void _;
  }, /no such module/);
  assert.equal(loads, 1);
});
