/**
 * The emulator's pure pieces, plain values in and out: the Anthropic list's paging, the
 * wrong_shape answer of both emulators, the Files list, an upload's checks, the batch create's
 * arguments and one input line's validation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../src/emulator/api-errors.ts';
import { listMessageBatches } from '../../src/emulator/anthropic/message-batches-routes.ts';
import {
  newMessageBatch,
  type EmulatedBatch,
} from '../../src/emulator/anthropic/message-batch-record.ts';
import { batchCreateArgs } from '../../src/emulator/batch-create-args.ts';
import { OPENAI_EMULATOR_DIALECT } from '../../src/emulator/dialects.ts';
import { listFiles, type FileObject } from '../../src/emulator/file-store.ts';
import { checkUpload } from '../../src/emulator/file-upload.ts';
import { wrongShape } from '../../src/emulator/wrong-shape.ts';

const batches: EmulatedBatch[] = ['a', 'b', 'c', 'd', 'e'].map((id, i) =>
  newMessageBatch(`msgbatch_${id}`, 1, id, i * 1000, undefined),
);
const ids = (page: { data: readonly { id: string }[] }) => page.data.map((b) => b.id.slice(-1));

test('Anthropic list: newest first, after_id and before_id pages, limit, lagging', () => {
  const q = (s: string) => new URLSearchParams(s);
  assert.deepEqual(ids(listMessageBatches(batches, q(''), Infinity)), ['e', 'd', 'c', 'b', 'a']);
  const first = listMessageBatches(batches, q('limit=2'), Infinity);
  assert.deepEqual(ids(first), ['e', 'd']);
  assert.equal(first.has_more, true);
  assert.equal(first.first_id, 'msgbatch_e');
  assert.equal(first.last_id, 'msgbatch_d');
  const next = listMessageBatches(batches, q('limit=2&after_id=msgbatch_d'), Infinity);
  assert.deepEqual(ids(next), ['c', 'b']);
  const before = listMessageBatches(batches, q('before_id=msgbatch_c'), Infinity);
  assert.deepEqual(ids(before), ['e', 'd']);
  assert.equal(before.has_more, false);
  // Created at 0, 1000, ... ms: up to 2500 ms only a, b and c are listed.
  assert.deepEqual(ids(listMessageBatches(batches, q(''), 2500)), ['c', 'b', 'a']);
  const empty = listMessageBatches([], q(''), Infinity);
  assert.deepEqual(empty, { data: [], has_more: false, first_id: null, last_id: null });
});

test('wrong_shape: every field null but the type field, in a list page each item', () => {
  assert.deepEqual(wrongShape({ id: 'batch_1', object: 'batch', status: 'validating' }, 'object'), {
    id: null,
    object: 'batch',
    status: null,
  });
  const page = { object: 'list', data: [{ id: 'f', object: 'file' }], has_more: false };
  assert.deepEqual(wrongShape(page, 'object'), {
    object: 'list',
    data: [{ id: null, object: 'file' }],
    has_more: false,
  });
  assert.deepEqual(wrongShape({ id: 'm', type: 'message_batch' }, 'type'), {
    id: null,
    type: 'message_batch',
  });
  assert.deepEqual(
    wrongShape({ data: [{ id: 'm', type: 'message_batch' }], has_more: true }, 'type'),
    {
      data: [{ id: null, type: 'message_batch' }],
      has_more: true,
    },
  );
});

const file = (id: string, created: number, purpose = 'batch'): FileObject => ({
  id,
  object: 'file',
  bytes: 1,
  created_at: created,
  expires_at: null,
  filename: `${id}.jsonl`,
  purpose,
  status: 'processed',
  status_details: null,
});

test('Files list: by purpose, ordered, after a cursor, not newer than the lag allows', () => {
  const all = [file('f2', 2), file('f1', 1), file('f3', 3, 'fine-tune')];
  const createdMs = (f: FileObject) => f.created_at * 1000;
  const page = (query: Parameters<typeof listFiles>[1]) =>
    listFiles(all, query, createdMs).data.map((f) => f.id);
  assert.deepEqual(page({ limit: 10, order: 'asc' }), ['f1', 'f2', 'f3']);
  assert.deepEqual(page({ limit: 10, order: 'desc', purpose: 'batch' }), ['f2', 'f1']);
  assert.deepEqual(page({ limit: 10, order: 'asc', after: 'f1' }), ['f2', 'f3']);
  assert.deepEqual(page({ limit: 10, order: 'asc', after: 'unknown' }), []);
  assert.deepEqual(page({ limit: 10, order: 'asc', createdUpTo: 2000 }), ['f1', 'f2']);
  assert.equal(listFiles(all, { limit: 2, order: 'asc' }, createdMs).has_more, true);
});

const apiError = (f: () => unknown, param: string | null, message: RegExp) =>
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 400);
    assert.equal(err.body.error.param, param);
    assert.match(err.body.error.message, message);
    return true;
  });

test('an upload: purpose, .jsonl, size and expires_after checked as the API does', () => {
  const limits = { maxBatchFileBytes: 100 };
  const upload = (fields: Record<string, string>, filename: string | undefined = 'in.jsonl') => ({
    filename,
    fields: new Map(Object.entries(fields)),
    bytes: 10,
  });
  assert.deepEqual(checkUpload(upload({ purpose: 'batch' }), limits), {
    filename: 'in.jsonl',
    purpose: 'batch',
    expiresAfterS: undefined,
  });
  const noFile = { ...upload({ purpose: 'batch' }), filename: undefined };
  apiError(() => checkUpload(noFile, limits), 'file', /'file'/);
  apiError(() => checkUpload(upload({}), limits), 'purpose', /'purpose'/);
  apiError(() => checkUpload(upload({ purpose: 'nope' }), limits), 'purpose', /'nope'/);
  apiError(() => checkUpload(upload({ purpose: 'batch' }, 'in.json'), limits), 'file', /\.jsonl/);
  apiError(
    () => checkUpload({ ...upload({ purpose: 'batch' }), bytes: 101 }, limits),
    'file',
    /too large/,
  );
  const expiring = upload({ purpose: 'batch', 'expires_after[seconds]': '7200' });
  assert.equal(checkUpload(expiring, limits).expiresAfterS, 7200);
  const tooSoon = upload({ purpose: 'batch', 'expires_after[seconds]': '60' });
  apiError(() => checkUpload(tooSoon, limits), 'expires_after[seconds]', /3600 and 2592000/);
  apiError(
    () => checkUpload(expiring, { ...limits, fileExpiry: null }),
    'expires_after[seconds]',
    /Unrecognized/,
  );
});

test("a batch create's arguments: endpoint, window, metadata and output expiry", () => {
  const body = {
    input_file_id: 'file-1',
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  };
  assert.deepEqual(batchCreateArgs(body, OPENAI_EMULATOR_DIALECT), {
    ...body,
    metadata: null,
    output_expires_after_s: undefined,
  });
  const dialect = OPENAI_EMULATOR_DIALECT;
  apiError(
    () => batchCreateArgs({ ...body, input_file_id: 1 }, dialect),
    'input_file_id',
    /input_file_id/,
  );
  apiError(
    () => batchCreateArgs({ ...body, endpoint: '/v1/embeddings' }, dialect),
    'endpoint',
    /embeddings/,
  );
  apiError(
    () => batchCreateArgs({ ...body, completion_window: '1h' }, dialect),
    'completion_window',
    /'24h'/,
  );
  const keys = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
  apiError(() => batchCreateArgs({ ...body, metadata: keys }, dialect), 'metadata', /16 keys/);
  apiError(() => batchCreateArgs({ ...body, metadata: { k: 1 } }, dialect), 'metadata', /string/);
  const expiry = { anchor: 'created_at', seconds: 7200 };
  assert.equal(
    batchCreateArgs({ ...body, output_expires_after: expiry }, dialect).output_expires_after_s,
    7200,
  );
  apiError(
    () => batchCreateArgs({ ...body, output_expires_after: { ...expiry, anchor: 'now' } }, dialect),
    'output_expires_after',
    /created_at/,
  );
});
