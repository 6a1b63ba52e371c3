/**
 * An input file's fingerprint with its SHA-256 made by the helper thread (input-hash.ts) is the
 * one content-fingerprint.ts makes in this thread, byte for byte, however the bytes come: empty
 * pieces, pieces over an output chunk, no final newline, a byte-order mark, non-ASCII; the read
 * buffer is reused between pieces as the reader reuses its own; every lent chunk comes back.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CHUNK_BYTES } from '../../src/convert/chunk-pool.ts';
import {
  inlineHelpers,
  threadHelpers,
  type ConvertHelpers,
} from '../../src/convert/helper-thread-client.ts';
import { createInputHasher } from '../../src/convert/input-hash.ts';
import { createContentHasher } from '../../src/storage/content-fingerprint.ts';

const texts: Record<string, Buffer> = {
  empty: Buffer.alloc(0),
  'one line, no newline': Buffer.from('{"id": "a"}'),
  'lines and a blank one': Buffer.from('{"id": "a"}\n\n{"id": "b"}\n'),
  'byte-order mark, CRLF, non-ASCII': Buffer.from('\ufeff{"name": "naïve 😀"}\r\n{"x": "クラス"}'),
  'random bytes over two output chunks': randomBytes(2 * CHUNK_BYTES + 12_345),
};

/** `bytes` in pieces of these sizes, each copied through one reused buffer. */
function pieces(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length || i === 0; i++) {
    const n = Math.min(sizes[i % sizes.length]!, bytes.length - at);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

async function fingerprints(helpers: ConvertHelpers, bytes: Buffer, sizes: readonly number[]) {
  const reused = Buffer.alloc(Math.max(...sizes, 1));
  const here = createContentHasher();
  const there = createInputHasher(helpers, undefined);
  for (const piece of pieces(bytes, sizes)) {
    const view = reused.subarray(0, piece.length);
    piece.copy(view);
    here.update(view);
    there.update(view);
    reused.fill(0xff); // what the reader does next: the hasher must have taken its copy
  }
  return { expected: here.digest(), got: await there.digest() };
}

for (const [name, make] of [
  ['helper thread', () => threadHelpers()],
  ['inline', () => inlineHelpers()],
] as const) {
  test(`the fingerprint of an input read piece by piece is content-fingerprint's (${name})`, async () => {
    const helpers = make();
    try {
      for (const [what, bytes] of Object.entries(texts)) {
        for (const sizes of [[256 * 1024], [1, 0, 7, 4096], [CHUNK_BYTES + 1, 3]]) {
          const { expected, got } = await fingerprints(helpers, bytes, sizes);
          assert.deepEqual(got, expected, `${what}, pieces of ${sizes.join(', ')}`);
        }
      }
      // Every chunk lent for hashing came back: 7 more may be lent without waiting, not 8.
      const taken = Array.from({ length: 8 }, () => helpers.chunks.take());
      for (const c of taken.slice(0, 7)) helpers.chunks.lend(c);
      const waited = await Promise.race([
        helpers.chunks.room().then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 50)),
      ]);
      assert.equal(waited, false, 'a chunk lent for hashing was not given back');
      helpers.chunks.lend(taken[7]!);
      let full = true;
      void helpers.chunks.room().then(() => (full = false));
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(full, 'the pool lends at most 8');
      for (const c of taken) helpers.chunks.returned(c);
    } finally {
      await helpers.close();
    }
  });
}

test('a read continuing an earlier one continues its hash state here', async () => {
  const helpers = inlineHelpers();
  const bytes = Buffer.from('{"id": "a"}\n{"id": "b"}\n{"id": "c"}\n');
  // A prefix state as prefixState() gives it (the hash of the first 12 bytes, its line ends).
  const prefix = {
    hash: createHash('sha256').update(bytes.subarray(0, 12)),
    size: 12,
    newlines: 1,
    last: 0x0a,
  };
  const there = createInputHasher(helpers, prefix);
  there.update(bytes.subarray(12));
  const whole = createContentHasher();
  whole.update(bytes);
  assert.deepEqual(await there.digest(), whole.digest());
});
