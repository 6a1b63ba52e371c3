/**
 * Fingerprints that the helper thread fails (with `dedup`) fail the conversion with its error,
 * when their chunk is placed. Until then nothing awaits them: they must not be an unhandled
 * rejection, which ends the process (`slicebatch run` treats one as fatal), daemon included.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { convertReviewedSlices } from '../../src/convert/convert-reviewed-slices.ts';
import { inlineHelpers, type ConvertHelpers } from '../../src/convert/helper-thread-client.ts';
import { createLogger } from '../../src/log/logger.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START } from '../support/test-time.ts';

test('fingerprints the helper thread fails fail the run, and are no unhandled rejection', async (t) => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', record);
  t.after(() => process.off('unhandledRejection', record));
  const dir = await tempDir(t);
  const folder = join(dir, '2.reviewed_slices', 'repo_a');
  await mkdir(folder, { recursive: true });
  const slices = Array.from({ length: 20 }, (_, i) =>
    functionSlice({ id: `s${i}`, code_snippet: `def f_${i}(a):\n    return a + ${i}` }),
  );
  await writeFile(join(folder, 's.jsonl'), jsonl(slices));
  const helpers: ConvertHelpers = {
    ...inlineHelpers(),
    fingerprintCodes: () => Promise.reject(new Error('the helper thread stopped')),
  };
  const run = convertReviewedSlices({
    reviewedDir: join(dir, '2.reviewed_slices'),
    batchInputDir: join(dir, '3.batch_input'),
    dataDir: dir,
    config: parseConfig({ dedup: { enabled: true } }, 'test'),
    helpers,
    now: () => RUN_START,
    log: await createLogger({ level: 'silent', stream: { write() {} } }),
  });
  await assert.rejects(run, /the helper thread stopped/);
  // Past the turn of the event loop where an unhandled rejection is reported.
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(unhandled, []);
});
