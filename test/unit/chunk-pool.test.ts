import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CHUNK_BYTES,
  createChunkPool,
  openBatchInputFile,
} from '../../src/convert/batch-input-writer.ts';
import { tempDir } from '../support/temp-dir.ts';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('the output chunk pool lends at most its size; room waits until a lent chunk comes back', async () => {
  const pool = createChunkPool(2);
  const a = pool.take();
  const b = pool.take();
  assert.equal(a.length, CHUNK_BYTES);
  await pool.room();
  pool.lend(a);
  await pool.room();
  pool.lend(b);
  let roomy = false;
  const waiting = pool.room().then(() => (roomy = true));
  await tick();
  assert.equal(roomy, false, 'room for a third while two are lent');
  pool.returned(Buffer.alloc(10)); // not one of its chunks: ignored
  await tick();
  assert.equal(roomy, false);
  pool.returned(b);
  await waiting;
  assert.equal(roomy, true);
  // A chunk given back is reused.
  assert.equal(pool.take(), b);
});

test('more files open than the pool lends: each fills its own chunk and all are sealed (none waits forever)', async (t) => {
  const dir = await tempDir(t);
  const pool = createChunkPool(2);
  const line = Buffer.alloc(64 * 1024, 0x61);
  line[line.length - 1] = 0x0a;
  const request = { line, promptTokens: 1, maxCompletionTokens: 1 };
  const files = await Promise.all(
    Array.from({ length: 6 }, () =>
      openBatchInputFile({
        dir,
        scenario: 'scenario1',
        model: 'gpt-4o-mini',
        now: () => new Date(0),
        chunks: pool,
      }),
    ),
  );
  // Each file: two full chunks and a part, in turns, so that all six hold a chunk at once.
  for (let i = 0; i < 40; i++) for (const f of files) await f.append(request, 'source.jsonl');
  const sealed = [];
  for (const f of files) sealed.push(await f.seal());
  assert.equal(sealed.length, 6);
  assert.ok(sealed.every((s) => s.manifest.requests === 40));
});

test('a batch input file stops taking requests while its written chunks wait to be hashed, and resumes when they are', async (t) => {
  const dir = await tempDir(t);
  const pool = createChunkPool(3);
  // A hash that holds every chunk it is given (a helper thread that has fallen behind).
  const held: Buffer[] = [];
  const file = await openBatchInputFile({
    dir,
    scenario: 'scenario1',
    model: 'gpt-4o-mini',
    now: () => new Date(0),
    chunks: pool,
    contentHash: () => ({
      update: (chunk) => void held.push(chunk),
      digest: () => Promise.resolve('held'),
    }),
  });
  const line = Buffer.alloc(64 * 1024, 0x61);
  line[line.length - 1] = 0x0a;
  const request = { line, promptTokens: 1, maxCompletionTokens: 1 };
  // 16 requests fill a chunk: after 64, three chunks are lent (written, waiting for the hash).
  for (let i = 0; i < 64; i++) await file.append(request, 'source.jsonl');
  let done = false;
  // The 65th needs to lend a fourth chunk: no room until the hash gives one back.
  const blocked = file.append(request, 'source.jsonl').then(() => (done = true));
  while (held.length < 3) await tick(); // the disk has taken all three
  await tick();
  assert.equal(done, false, 'appending went on while every chunk waited to be hashed');
  pool.returned(held.shift()!);
  await blocked;
  assert.equal(done, true);
  await file.abort();
});
