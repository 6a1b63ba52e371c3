/**
 * An inbox file's fingerprint (storage/content-fingerprint.ts): its SHA-256, line ends and last
 * byte, with the state at a prefix to continue from, wherever the prefix falls against the
 * pieces the file is read in (1 MiB).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  createContentHasher,
  fingerprintFile,
  prefixState,
} from '../../src/storage/content-fingerprint.ts';
import { tempDir } from '../support/temp-dir.ts';

const MiB = 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const newlines = (b: Buffer): number => b.reduce((n, x) => n + (x === 0x0a ? 1 : 0), 0);

test('the fingerprint and the state at a prefix, wherever the prefix falls', async (t) => {
  // 2.5 MiB of lines of varying length, the last one without a line end.
  const parts: string[] = [];
  for (let i = 0, length = 0; length < 2.5 * MiB; i++) {
    parts.push(`${'x'.repeat(i % 97)}é\n`);
    length += parts[i]!.length;
  }
  const bytes = Buffer.from(parts.join('') + 'tail');
  const path = join(await tempDir(t), 'slices.jsonl');
  await writeFile(path, bytes);
  const size = bytes.length;

  for (const at of [0, 1, 1000, MiB - 1, MiB, MiB + 1, 2 * MiB, size - 1, size]) {
    const head = bytes.subarray(0, at);
    const fp = await fingerprintFile(path, size, at);
    assert.equal(fp.size, size);
    assert.equal(fp.sha256, sha(bytes));
    assert.equal(fp.newlines, newlines(bytes));
    assert.equal(fp.endsWithNewline, false);
    assert.equal(fp.prefixSha256, sha(head), `prefix of ${at}`);
    const expected = { size: at, newlines: newlines(head), last: at === 0 ? -1 : head[at - 1] };
    const { hash, ...state } = fp.prefix!;
    assert.deepEqual(state, expected, `state at ${at}`);
    // The reader of the rest continues from it to the whole file's fingerprint.
    const rest = createContentHasher(fp.prefix);
    rest.update(bytes.subarray(at, MiB + 7));
    rest.update(bytes.subarray(Math.max(at, MiB + 7)));
    assert.deepEqual(rest.digest(), {
      size,
      sha256: fp.sha256,
      newlines: fp.newlines,
      endsWithNewline: false,
    });
    // prefixState reads the same prefix on its own.
    const alone = await prefixState(path, at);
    assert.deepEqual({ ...alone, hash: undefined }, { ...expected, hash: undefined });
    assert.equal(alone.hash.copy().digest('hex'), sha(head));
    assert.equal(hash.copy().digest('hex'), sha(head));
  }
});

test('a prefix longer than what is read has no hash; a file shorter than asked is read whole', async (t) => {
  const bytes = Buffer.from('{"a":1}\n{"b":2}\n');
  const path = join(await tempDir(t), 's.jsonl');
  await writeFile(path, bytes);
  const fp = await fingerprintFile(path, 10, 12);
  assert.equal(fp.size, 10);
  assert.equal(fp.sha256, sha(bytes.subarray(0, 10)));
  assert.equal(fp.prefixSha256, undefined);
  assert.equal(fp.prefix, undefined);
  const longer = await fingerprintFile(path, 100);
  assert.equal(longer.size, bytes.length);
  assert.equal(longer.endsWithNewline, true);
  assert.equal(longer.newlines, 2);
  assert.equal((await prefixState(path, 100)).size, bytes.length);
});
