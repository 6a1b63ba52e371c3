/**
 * A batch input file being written hands its pages to the disk in the background every
 * BACKGROUND_FLUSH_BYTES (convert/chunk-stream.ts), so that its sync when sealed finds little
 * left to write.
 */
import assert from 'node:assert/strict';
import { fstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHUNK_BYTES, createChunkPool, localContentHash } from '../../src/convert/chunk-pool.ts';
import { BACKGROUND_FLUSH_BYTES, openChunkStream } from '../../src/convert/chunk-stream.ts';
import { tempDir } from '../support/temp-dir.ts';

test('a batch input file being written starts a flush in the background every 8 MB written, of what is written', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'file.jsonl');
  const pool = createChunkPool(4);
  const sizes: number[] = [];
  const stream = await openChunkStream(path, pool, localContentHash(pool), {
    // What is in the file when a flush starts: the chunks written so far.
    flushInBackground: (fd) => sizes.push(fstatSync(fd).size),
  });
  const chunks = Math.ceil((2.5 * BACKGROUND_FLUSH_BYTES) / CHUNK_BYTES);
  for (let i = 0; i < chunks; i++) {
    const chunk = pool.take();
    chunk.fill(97 + (i % 26));
    await stream.write(chunk, CHUNK_BYTES);
  }
  await stream.close();
  assert.deepEqual(sizes, [BACKGROUND_FLUSH_BYTES, 2 * BACKGROUND_FLUSH_BYTES]);
  const written = readFileSync(path);
  assert.equal(written.length, chunks * CHUNK_BYTES);
  assert.equal(written[written.length - 1], 97 + ((chunks - 1) % 26));
});
