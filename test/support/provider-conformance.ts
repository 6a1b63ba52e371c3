/**
 * One conformance suite for every provider adapter, run against its emulator profile over real
 * HTTP (the adapter-conformance pattern: each adapter module calls
 * `describeProviderConformance(name, make)` with a factory of its adapter and emulator). The
 * lines written are ours, as the pipeline writes them (OpenAI's form, our model names): an
 * adapter that sends them in another form must do so itself.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ApiError, PermanentApiError, TransientApiError } from '../../src/errors.ts';
import type { RemoteBatch } from '../../src/providers/port.ts';
import { tempDir } from './temp-dir.ts';
import {
  downloaded,
  inputFile,
  META,
  MODEL,
  untilEnded,
  type MakeHarness,
} from './conformance-harness.ts';

export type { ConformanceHarness, ConformanceOptions, MakeHarness } from './conformance-harness.ts';

export function describeProviderConformance(name: string, make: MakeHarness): void {
  void describe(`provider conformance: ${name}`, () => {
    void test('states its capabilities', async (t) => {
      const { api } = await make(t, { model: MODEL });
      const c = api.capabilities;
      assert.equal(api.provider, name);
      assert.ok(c.input === 'file' || c.input === 'inline');
      assert.ok(c.maxRequestsPerBatch > 0 && c.maxBytesPerBatch > 0);
      assert.ok(c.completionWindows.length > 0);
      assert.ok(['model', 'deployment', 'mapped'].includes(c.modelNaming));
      assert.ok(['tiktoken', 'approximate', 'provider'].includes(c.tokenCounting));
    });

    void test('a batch from upload to results: listed with its metadata, every request answered', async (t) => {
      const h = await make(t, { model: MODEL });
      const dir = await tempDir(t);
      const ids = ['req_a', 'req_b', 'req_c'];
      const path = await inputFile(dir, 'scenario1_batch_input_x.jsonl', ids);
      const file = await h.api.uploadFile(
        path,
        'scenario1_batch_input_x.ab12cd34.jsonl',
        7 * 86_400,
      );
      assert.equal(file.filename, 'scenario1_batch_input_x.ab12cd34.jsonl');
      const expiry = h.api.capabilities.fileExpiry;
      if (expiry !== null) {
        // The asked 7 days, clamped into what the provider takes (Azure: 14 days at least).
        const asked = Math.min(Math.max(7 * 86_400, expiry.minS), expiry.maxS);
        assert.equal(file.expires_at, file.created_at + asked, 'the file lives as long as asked');
      } else {
        // No expiry to ask for: the asked one is not sent, and the upload is not refused for it.
        assert.notEqual(file.expires_at, file.created_at + 7 * 86_400);
      }
      // A lost upload is found again by its name and the size the server reports.
      const expectedBytes = (await h.api.uploadedBytes?.(path)) ?? undefined;
      if (expectedBytes !== undefined) assert.equal(file.bytes, expectedBytes);
      const listed = [];
      for await (const f of h.api.listFiles('batch')) listed.push(f);
      assert.ok(listed.some((f) => f.id === file.id && f.bytes === file.bytes));

      const created = await h.api.createBatch({
        inputFileId: file.id,
        endpoint: '/v1/chat/completions',
        metadata: META,
        outputExpiresAfterS: 30 * 86_400,
      });
      if (h.api.capabilities.input === 'inline') {
        // The requests went up in the create call: the batch knows them all from the start.
        assert.equal(created.request_counts?.total, ids.length);
      }
      // With `metadata: false` the provider keeps none: the adapter gives its batches ours back.
      let found: RemoteBatch | undefined;
      for await (const b of h.api.listBatches()) if (b.id === created.id) found = b;
      assert.deepEqual(found?.metadata, META);

      const ended = await untilEnded(h, created.id);
      assert.equal(ended.status, 'completed', JSON.stringify(ended.errors));
      assert.deepEqual(ended.request_counts, { total: 3, completed: 3, failed: 0 });
      const lines = await downloaded(h, ended.output_file_id!, join(dir, 'out.jsonl'));
      assert.deepEqual(lines.map((l) => l['custom_id']).sort(), ids);
      assert.ok(lines.every((l) => l['response']?.status_code === 200));
      await h.api.deleteFile(file.id);
      await h.api.deleteFile(file.id); // already gone: not an error
      assert.equal(h.batchesCreated(), 1);
    });

    void test('a create whose answer is lost: the batch exists once, found again with our metadata; another of its size told apart', async (t) => {
      const h = await make(t, {
        model: MODEL,
        faults: { http: [{ route: 'POST /v1/batches', kind: 'lose_answer', nth: [1] }] },
      });
      const dir = await tempDir(t);
      const path = await inputFile(dir, 'in.jsonl', ['req_1']);
      const file = await h.api.uploadFile(path, 'in.jsonl');
      const failure = await h.api
        .createBatch({ inputFileId: file.id, endpoint: '/v1/chat/completions', metadata: META })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      assert.ok(failure instanceof ApiError, String(failure));
      assert.equal(failure.maybeDone, true);
      let ours: RemoteBatch | undefined;
      for await (const b of h.api.listBatches()) {
        if (b.metadata?.['slicebatch_sha256'] === 'c0ffee') ours = b;
      }
      assert.ok(ours !== undefined, 'the created batch is listed with our metadata');
      assert.equal(h.batchesCreated(), 1, 'the SDK did not create it again');

      // Another submission of as many requests, while that answer is still fresh.
      const other = { slicebatch_sha256: 'beef', slicebatch_attempt: '1' };
      const path2 = await inputFile(dir, 'in2.jsonl', ['req_2']);
      const file2 = await h.api.uploadFile(path2, 'in2.jsonl');
      const second = () =>
        h.api.createBatch({
          inputFileId: file2.id,
          endpoint: '/v1/chat/completions',
          metadata: other,
        });
      if (h.api.capabilities.metadata) {
        // Each batch carries its own metadata: the two are told apart at once.
        const b = await second();
        const byMeta = new Map<string, string>();
        for await (const x of h.api.listBatches()) {
          const sha = x.metadata?.['slicebatch_sha256'];
          if (sha !== undefined) byMeta.set(sha, x.id);
        }
        assert.equal(byMeta.get('beef'), b.id);
        assert.equal(byMeta.get('c0ffee'), ours.id);
        assert.equal(h.batchesCreated(), 2);
      } else {
        // Matched by request count and creation time instead: a create of the same size waits
        // until the two could not be mistaken, told as a transient failure with its wait.
        const waited = await second().then(
          () => undefined,
          (err: unknown) => err,
        );
        assert.ok(waited instanceof TransientApiError, String(waited));
        assert.equal(waited.maybeDone, false, 'nothing was sent');
        assert.ok((waited.retryAfterMs ?? 0) > 0, 'it says how long to wait');
        assert.equal(h.batchesCreated(), 1, 'no batch of the same size in the window');
        await h.advance(waited.retryAfterMs!);
        const b = await second();
        let seen: RemoteBatch | undefined;
        for await (const x of h.api.listBatches()) if (x.id === b.id) seen = x;
        assert.deepEqual(seen?.metadata, other);
        assert.equal(h.batchesCreated(), 2);
      }
    });

    void test('a 200 of the wrong shape to a create: a failed call that may be done, the batch found once', async (t) => {
      const h = await make(t, {
        model: MODEL,
        faults: { http: [{ route: 'POST /v1/batches', kind: 'wrong_shape', nth: [1] }] },
      });
      const dir = await tempDir(t);
      const path = await inputFile(dir, 'in.jsonl', ['req_1', 'req_2']);
      const file = await h.api.uploadFile(path, 'in.jsonl');
      const failure = await h.api
        .createBatch({ inputFileId: file.id, endpoint: '/v1/chat/completions', metadata: META })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      assert.ok(failure instanceof TransientApiError, String(failure));
      assert.equal(failure.maybeDone, true);
      assert.match(failure.message, /batches\.create answered with a wrong shape/);
      const ours: RemoteBatch[] = [];
      for await (const b of h.api.listBatches()) {
        if (b.metadata?.['slicebatch_sha256'] === 'c0ffee') ours.push(b);
      }
      assert.equal(ours.length, 1, 'the created batch is listed with our metadata');
      assert.equal(h.batchesCreated(), 1);
    });

    void test('429 and 5xx leave the adapter as transient errors (429 with its retry-after)', async (t) => {
      const h = await make(t, {
        model: MODEL,
        faults: {
          http: [
            { route: 'GET /v1/batches/batch_x', kind: 'status', status: 429, retry_after_s: 1 },
            { route: 'GET /v1/batches/batch_y', kind: 'status', status: 503 },
          ],
        },
      });
      for (const [id, status] of [
        ['batch_x', 429],
        ['batch_y', 503],
      ] as const) {
        const err = await h.api.retrieveBatch(id).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof TransientApiError, `${id}: ${String(err)}`);
        assert.equal(err.status, status);
        if (status === 429) assert.equal(err.retryAfterMs, 1000);
      }
    });

    void test('an id the provider does not know: a permanent 404 (the routed port then asks the next provider)', async (t) => {
      const h = await make(t, { model: MODEL });
      const dir = await tempDir(t);
      const calls: [string, () => Promise<unknown>][] = [
        ['retrieve', () => h.api.retrieveBatch('batch_unknown1')],
        ['retrieve another provider id', () => h.api.retrieveBatch('msgbatch_unknown1')],
        ['cancel', () => h.api.cancelBatch('batch_unknown1')],
        ['download', () => h.api.downloadFile('file-unknown1', join(dir, 'x.jsonl'))],
      ];
      for (const [what, call] of calls) {
        const err = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(err instanceof PermanentApiError, `${what}: ${String(err)}`);
        assert.equal(err.status, 404, what);
      }
      // A deleted upload is no longer listed.
      const path = await inputFile(dir, 'in.jsonl', ['req_1']);
      const file = await h.api.uploadFile(path, 'in.jsonl');
      await h.api.deleteFile(file.id);
      for await (const f of h.api.listFiles('batch')) assert.notEqual(f.id, file.id);
    });

    void test('a batch that expires: the finished requests in its output, each other one batch_expired in its error file', async (t) => {
      const h = await make(t, {
        model: MODEL,
        faults: { batches: [{ kind: 'expire', after_requests: 1 }] },
      });
      const dir = await tempDir(t);
      const ids = ['req_a', 'req_b', 'req_c'];
      const path = await inputFile(dir, 'in.jsonl', ids);
      const file = await h.api.uploadFile(path, 'in.jsonl');
      const b = await h.api.createBatch({
        inputFileId: file.id,
        endpoint: '/v1/chat/completions',
        metadata: META,
      });
      const ended = await untilEnded(h, b.id);
      assert.equal(ended.status, 'expired');
      // Whether the expired requests count as failed differs (the OpenAI emulator's leave them out).
      assert.equal(ended.request_counts?.total, 3);
      assert.equal(ended.request_counts?.completed, 1);
      const done = await downloaded(h, ended.output_file_id!, join(dir, 'out.jsonl'));
      const failed = await downloaded(h, ended.error_file_id!, join(dir, 'err.jsonl'));
      assert.equal(done.length, 1);
      assert.equal(done[0]!['response'].status_code, 200);
      assert.deepEqual(
        [...done, ...failed].map((l) => l['custom_id']).sort(),
        ids,
        'every request in one of the two files',
      );
      for (const l of failed) assert.equal(l['error']?.code, 'batch_expired');
    });

    void test('cancel: the batch ends cancelled', async (t) => {
      const h = await make(t, { model: MODEL });
      const dir = await tempDir(t);
      const path = await inputFile(dir, 'in.jsonl', ['req_1', 'req_2']);
      const file = await h.api.uploadFile(path, 'in.jsonl');
      const b = await h.api.createBatch({
        inputFileId: file.id,
        endpoint: '/v1/chat/completions',
        metadata: META,
      });
      const cancelling = await h.api.cancelBatch(b.id);
      assert.ok(['cancelling', 'cancelled'].includes(cancelling.status), cancelling.status);
      assert.equal((await untilEnded(h, b.id)).status, 'cancelled');
    });
  });
}
