import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHUNK_BYTES, createChunkPool } from '../../src/convert/batch-input-writer.ts';

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
