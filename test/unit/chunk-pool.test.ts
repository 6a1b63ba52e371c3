import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CHUNK_BYTES,
  createChunkPool,
  openBatchInputFile,
} from '../../src/convert/batch-input-writer.ts';
import { tempDir } from '../support/temp-dir.ts';

test('the output chunk pool lends at most its size; the next acquire waits until one comes back', async () => {
  const pool = createChunkPool(2);
  const a = await pool.acquire();
  const b = await pool.acquire();
  assert.equal(a.length, CHUNK_BYTES);
  let third: Buffer | undefined;
  const waiting = pool.acquire().then((c) => (third = c));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(third, undefined, 'a third chunk while two are out');
  pool.give(Buffer.alloc(10)); // not one of its chunks: ignored
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(third, undefined);
  pool.give(b);
  await waiting;
  assert.equal(third, b, 'the chunk given back is the one lent next');
  pool.give(a);
  pool.give(third);
  // Both back: two can be taken again at once, and they are the same buffers.
  const again = [await pool.acquire(), await pool.acquire()];
  assert.deepEqual(new Set(again), new Set([a, b]));
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
  // 16 requests fill a chunk: after 48, three chunks are out (two written, one full).
  for (let i = 0; i < 48; i++) await file.append(request, 'source.jsonl');
  let done = false;
  // The 49th writes the third chunk and needs a fourth: none until the hash gives one back.
  const blocked = file.append(request, 'source.jsonl').then(() => (done = true));
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  while (held.length < 3) await tick(); // the disk has taken all three
  await tick();
  assert.equal(done, false, 'appending went on while every chunk waited to be hashed');
  pool.give(held.shift()!);
  await blocked;
  assert.equal(done, true);
  await file.abort();
});
