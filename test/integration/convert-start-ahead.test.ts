/**
 * The conversion does not wait for the helper thread's tokenizer to start: the tokens every
 * request shares are counted while the first chunks are read and encoded
 * (convert/scenario-setup.ts); they are needed only when the first chunk is placed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import { convertReviewedSlices } from '../../src/convert/convert-reviewed-slices.ts';
import { inlineHelpers, type ConvertHelpers } from '../../src/convert/helper-thread-client.ts';
import { createLogger } from '../../src/log/logger.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START } from '../support/test-time.ts';

async function inbox(dir: string, slices: number): Promise<number> {
  const folder = join(dir, '2.reviewed_slices', 'repo_a');
  await mkdir(folder, { recursive: true });
  const text = jsonl(
    Array.from({ length: slices }, (_, i) =>
      functionSlice({ id: `s${i}`, code_snippet: `def f_${i}(a):\n${'    a += 1\n'.repeat(40)}` }),
    ),
  );
  await writeFile(join(folder, 's.jsonl'), text);
  return Math.ceil(Buffer.byteLength(text) / (256 * 1024));
}

async function convert(dir: string, helpers: ConvertHelpers) {
  return convertReviewedSlices({
    reviewedDir: join(dir, '2.reviewed_slices'),
    batchInputDir: join(dir, '3.batch_input'),
    dataDir: dir,
    config: parseConfig({}, 'test'),
    helpers,
    now: () => RUN_START,
    log: await createLogger({ level: 'silent', stream: { write() {} } }),
  });
}

test('the first chunks are read and sent to be counted before the tokens every request shares are known', async (t) => {
  const dir = await tempDir(t);
  await inbox(dir, 600);
  const inline = inlineHelpers();
  let asked = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const helpers: ConvertHelpers = {
    ...inline,
    // Nothing is answered, the shared tokens included, until a chunk has been sent to be
    // counted: a conversion that waited for them before reading would never get there.
    async countTexts(encoding, texts) {
      if (texts.some((text) => text.includes('def f_'))) {
        // A chunk's texts: the code of its slices.
        asked++;
        release();
      }
      await released;
      return inline.countTexts(encoding, texts);
    },
  };
  const result = await convert(dir, helpers);
  assert.ok(asked >= 1);
  assert.equal(result.totals.converted.scenario1, 600);
});

test('a failure to count the shared tokens fails the run that has slices, and not one that has none', async (t) => {
  const failing = (): ConvertHelpers => ({
    ...inlineHelpers(),
    countTexts: () => Promise.reject(new Error('tokenizer failed to load')),
  });
  const dir = await tempDir(t);
  await inbox(dir, 10);
  await assert.rejects(convert(dir, failing()), /tokenizer failed to load/);
  assert.deepEqual(await readdir(join(dir, '3.batch_input', 'repo_a')).catch(() => []), []);

  const empty = await tempDir(t);
  await mkdir(join(empty, '2.reviewed_slices'), { recursive: true });
  const result = await convert(empty, failing());
  assert.equal(result.totals.files, 0);
});
