import assert from 'node:assert/strict';
import { mkdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { parseConfig } from '../../src/config/load.ts';
import { inlineHelpers, type ConvertHelpers } from '../../src/convert/helper-thread-client.ts';
import { createIntakeStep } from '../../src/daemon/intake-step.ts';
import { openIntakeLog } from '../../src/intake/intake-log.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { ListedFile } from '../../src/storage/list-files.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

const quiet = await createLogger({ level: 'silent', stream: { write() {} } });

async function listed(dataDir: string, rel: string): Promise<ListedFile> {
  const path = join(dataDir, '2.reviewed_slices', rel);
  const s = await stat(path);
  return {
    rel,
    relDir: rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '',
    path,
    size: s.size,
    mtimeMs: s.mtimeMs,
    ctimeMs: s.ctimeMs,
    ino: s.ino,
  };
}

test('a file cut short while it is converted, then restored: every slice is sent once in the end', async (t) => {
  const data = await tempDir(t);
  const paths = dataPaths(data, '.');
  const file = join(paths.reviewed, 'r', 'big.jsonl');
  await mkdir(join(paths.reviewed, 'r'), { recursive: true });
  // More than one read chunk (256 KiB): the cut lands after the first chunk was read.
  const slices = Array.from({ length: 3000 }, (_, i) =>
    functionSlice({
      id: `s${String(i).padStart(4, '0')}`,
      code_snippet: `def f${i}():\n${'    x = 1\n'.repeat(60)}`,
    }),
  );
  const content = jsonl(slices);
  assert.ok(Buffer.byteLength(content) > 6 * 256 * 1024);
  await writeFile(file, content);

  // The file is cut to nothing as the conversion counts its first chunk (as when a writer
  // truncates it to rewrite it in place), after the intake looked at it whole.
  const inline = inlineHelpers();
  let cut = false;
  const helpers: ConvertHelpers = {
    ...inline,
    async countTexts(encoding, texts) {
      if (!cut && texts.some((text) => text.includes('def f0('))) {
        cut = true;
        await truncate(file, 0);
      }
      return inline.countTexts(encoding, texts);
    },
  };
  const intakeLog = await openIntakeLog(paths.state);
  t.after(() => intakeLog.close());
  const step = createIntakeStep({
    paths,
    config: parseConfig({}, 'test'),
    helpers: () => helpers,
    intakeLog,
    log: quiet,
    now: () => Date.now(),
  });
  step.offer([await listed(data, 'r/big.jsonl')]);
  const first = await step.run();
  assert.ok(cut);
  assert.ok(first.slices > 0 && first.slices < slices.length, `${first.slices} converted first`);

  // Restored: the same content as when it was looked at first.
  await writeFile(file, content);
  step.offer([await listed(data, 'r/big.jsonl')]);
  const second = await step.run();
  assert.equal(first.slices + second.slices, slices.length, 'every slice sent');
  assert.equal(second.alreadySent, first.slices, 'none twice');
});
