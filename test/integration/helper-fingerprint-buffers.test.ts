/**
 * The helper thread packs the fingerprints of each chunk into buffers the conversion gives back
 * once the chunk is placed: however many chunks a run has, the thread makes a few buffers, not
 * one a chunk (each made in the helper's thread and freed in the main one left the memory
 * allocator of the helper's thread holding more and more: issue 20, where every slice is a
 * duplicate). The fingerprints read from a reused buffer are those of its own chunk.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PACKED_WORDS,
  packFingerprints,
  unpackFingerprint,
} from '../../src/domain/code-fingerprint.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import { convertReviewedSlices } from '../../src/convert/convert-reviewed-slices.ts';
import { threadHelpers } from '../../src/convert/helper-thread-client.ts';
import { createLogger } from '../../src/log/logger.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START } from '../support/test-time.ts';

/** `n` codes of round `round`: functions of various lengths, some too short to compare. */
function codes(round: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = round * 1000 + i;
    out.push(
      i % 5 === 4
        ? `x = ${k}`
        : `def f_${k}(a, b=${k % 97}):\n` +
            `    total = a * ${k % 13} + b\n`.repeat(1 + (k % 4)) +
            `    return [total, "${k}"]\n`,
    );
  }
  return out;
}

const unpacked = (words: Uint32Array, n: number) =>
  Array.from({ length: n }, (_, i) => {
    const f = unpackFingerprint(words, i * PACKED_WORDS);
    return [f.exactWords, f.tokens, f.signature && [...f.signature]];
  });

test('the helper thread reuses the fingerprint buffers given back, and each chunk reads its own fingerprints', async () => {
  const helpers = threadHelpers();
  try {
    for (let round = 0; round < 40; round++) {
      // Chunks of different sizes, larger and smaller than the buffers given back.
      const n = [300, 120, 480, 200][round % 4]!;
      const list = codes(round, n);
      const hashComment = new Uint8Array(n).fill(1);
      const words = await helpers.fingerprintCodes(list, hashComment);
      assert.deepEqual(
        unpacked(words, n),
        unpacked(packFingerprints(list, hashComment), n),
        `round ${round}`,
      );
      helpers.giveBackFingerprints(words);
    }
    assert.ok(
      helpers.fingerprintBuffersMade <= 3,
      `40 chunks, ${helpers.fingerprintBuffersMade} buffers made`,
    );
  } finally {
    await helpers.close();
  }
});

test('without buffers given back, the helper thread makes one a chunk', async () => {
  const helpers = threadHelpers();
  try {
    for (let round = 0; round < 5; round++) {
      await helpers.fingerprintCodes(codes(round, 50), new Uint8Array(50));
    }
    assert.equal(helpers.fingerprintBuffersMade, 5);
  } finally {
    await helpers.close();
  }
});

test("a conversion with dedup gives each chunk's fingerprints back: a few buffers for many chunks, most slices duplicates", async (t) => {
  const dir = await tempDir(t);
  const folder = join(dir, '2.reviewed_slices', 'repo_a');
  await mkdir(folder, { recursive: true });
  // 8,000 slices of 200 functions: all but the first 200 are duplicates.
  const base = codes(0, 200);
  const text = jsonl(
    Array.from({ length: 8000 }, (_, i) =>
      functionSlice({
        id: `s${i}`,
        code_snippet: base[i % base.length]!,
        file_path: 'src/a.py',
      }),
    ),
  );
  await writeFile(join(folder, 's.jsonl'), text);
  const chunks = Math.floor(Buffer.byteLength(text) / (256 * 1024));
  assert.ok(chunks >= 12, `${chunks} chunks read`);
  const helpers = threadHelpers();
  t.after(() => helpers.close());
  const result = await convertReviewedSlices({
    reviewedDir: join(dir, '2.reviewed_slices'),
    batchInputDir: join(dir, '3.batch_input'),
    dataDir: dir,
    config: parseConfig({ dedup: { enabled: true } }, 'test'),
    helpers,
    now: () => RUN_START,
    log: await createLogger({ level: 'silent', stream: { write() {} } }),
  });
  assert.equal(result.duplicates?.scenario1.requests, 7800);
  assert.ok(
    helpers.fingerprintBuffersMade >= 1 && helpers.fingerprintBuffersMade <= 6,
    `${chunks} chunks, ${helpers.fingerprintBuffersMade} buffers made`,
  );
});
