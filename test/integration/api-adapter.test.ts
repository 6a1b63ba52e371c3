/**
 * The OpenAI adapter classifies each failure once: what leaves src/openai/ is one of the error
 * classes of errors.ts, with its `code`, the HTTP `status` and the facts a caller decides on
 * (retry-after, whether the work may have been done); an aborted call throws its signal's
 * reason; a file that is already gone is not an error. Real HTTP, against the emulator.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEmulator } from '../../src/emulator/emulator.ts';
import { FaultProfileSchema } from '../../src/emulator/faults.ts';
import {
  ApiError,
  AuthApiError,
  PermanentApiError,
  SlicebatchError,
  TransientApiError,
} from '../../src/errors.ts';
import { createOpenAIBatchApi } from '../../src/openai/batch-api.ts';
import { deferCleanup } from '../support/temp-dir.ts';

test('each failure leaves the adapter as its error class, with code and status', async (t) => {
  const at = (id: string) => `GET /v1/batches/${id}`;
  const emulator = await startEmulator({
    faults: FaultProfileSchema.parse({
      http: [
        { route: at('batch_401'), kind: 'status', status: 401 },
        { route: at('batch_429'), kind: 'status', status: 429, retry_after_s: 2 },
        { route: at('batch_503'), kind: 'status', status: 503 },
        { route: at('batch_400'), kind: 'status', status: 400 },
        { route: at('batch_drop'), kind: 'drop' },
      ],
    }),
  });
  deferCleanup(t, () => emulator.close());
  const api = createOpenAIBatchApi({ apiKey: 'sk-adapter', baseURL: emulator.url, maxRetries: 0 });
  const failure = async (id: string): Promise<ApiError> => {
    try {
      await api.retrieveBatch(id);
    } catch (err) {
      assert.ok(err instanceof ApiError, `${id}: ${String(err)}`);
      assert.ok(err instanceof SlicebatchError);
      return err;
    }
    assert.fail(`${id} did not fail`);
  };

  const auth = await failure('batch_401');
  assert.ok(auth instanceof AuthApiError);
  assert.equal(auth.code, 'auth_api');
  assert.equal(auth.status, 401);
  assert.equal(auth.kind, 'auth');

  const limited = await failure('batch_429');
  assert.ok(limited instanceof TransientApiError);
  assert.equal(limited.code, 'transient_api');
  assert.equal(limited.status, 429);
  assert.equal(limited.kind, 'rate_limited');
  assert.equal(limited.retryAfterMs, 2000);
  assert.equal(limited.maybeDone, false);

  const down = await failure('batch_503');
  assert.ok(down instanceof TransientApiError);
  assert.equal(down.status, 503);
  assert.equal(down.maybeDone, true, 'a 5xx may hide work done');

  const refused = await failure('batch_400');
  assert.ok(refused instanceof PermanentApiError);
  assert.equal(refused.code, 'permanent_api');
  assert.equal(refused.status, 400);

  const dropped = await failure('batch_drop');
  assert.ok(dropped instanceof TransientApiError);
  assert.equal(dropped.status, undefined, 'no answer, no status');
  assert.equal(dropped.maybeDone, true);

  const said = refused.about('retrieve batch_400');
  assert.ok(said instanceof PermanentApiError, 'said of an operation, the class is kept');
  assert.match(said.message, /^retrieve batch_400: /);
  assert.equal(said.cause, refused);

  await api.deleteFile('file-that-never-was');
});

test('a call aborted by its signal throws the signal reason, not an API failure', async (t) => {
  const emulator = await startEmulator({
    faults: FaultProfileSchema.parse({
      http: [{ route: 'GET /v1/batches', kind: 'slow', delay_ms: 50 }],
    }),
  });
  deferCleanup(t, () => emulator.close());
  const api = createOpenAIBatchApi({ apiKey: 'sk-adapter', baseURL: emulator.url, maxRetries: 0 });
  const controller = new AbortController();
  const reason = new Error('the stop deadline');
  const listing = (async () => {
    for await (const _ of api.listBatches({ signal: controller.signal })) break;
  })();
  controller.abort(reason);
  await assert.rejects(listing, (err) => err === reason);
});
