/**
 * With `dedup`, the code of each slice is fingerprinted in the conversion's helper thread
 * (helper-thread.ts): the duplicates it finds, and what it sends, are the same as when every
 * fingerprint is made in the calling thread.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { convertReviewedSlices } from '../../src/convert/convert-reviewed-slices.ts';
import {
  inlineHelpers,
  threadHelpers,
  type ConvertHelpers,
} from '../../src/convert/helper-thread-client.ts';
import { createLogger } from '../../src/log/logger.ts';
import { listFiles } from '../../src/storage/list-files.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START } from '../support/test-time.ts';

const quietLog = await createLogger({ level: 'silent', stream: { write() {} } });

/**
 * A function of its own, numbered `i`, its argument named `name`, in Python or JavaScript (with
 * a name other than `value`, one more item in what it returns).
 */
const python = (i: number, name = 'value'): string =>
  `def scaled_${i}(${name}, limit=${i}):\n` +
  `    # keep it under the limit\n` +
  `    if ${name} > limit * ${(i * 7) % 1013}:\n` +
  `        return ${name} // ${i + 3} - ${(i * 31) % 977}\n` +
  `    return [${name}, limit, ${i % 89}, "${i}"]\n`;
const javascript = (i: number, name = 'value'): string =>
  `function scaled${i}(${name}, limit = ${i}) {\n` +
  `  // keep it under the limit\n` +
  `  if (${name} > limit * ${(i * 7) % 1013}) return ${name} / ${i + 3} - ${(i * 31) % 977};\n` +
  `  return [${name}, limit, ${i % 89}, '${i}'${name === 'value' ? '' : `, ${name} % 2`}];\n}\n`;

/** 120 slices: new functions, exact copies (recommented), renamed copies, short ones. */
function slices(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < 120; i++) {
    const k = Math.floor(i / 4);
    const [code, path] =
      i % 4 === 0
        ? [python(k), 'src/a.py']
        : i % 4 === 1
          ? [`# a copy\n${python(k - 1 < 0 ? 0 : k - 1)}`, 'src/b.py']
          : i % 4 === 2
            ? [javascript(k % 7, k % 2 === 0 ? 'amount' : 'value'), 'web/c.js']
            : [`x = ${k % 5}`, 'src/d.py'];
    out.push(
      functionSlice({ id: `s${String(i).padStart(3, '0')}`, code_snippet: code, file_path: path }),
    );
  }
  return out;
}

async function convertWith(helpers: ConvertHelpers, dir: string): Promise<string[]> {
  const rel = join('2.reviewed_slices', 'repo_a', 's.jsonl');
  await mkdir(dirname(join(dir, rel)), { recursive: true });
  await writeFile(join(dir, rel), jsonl(slices()));
  await convertReviewedSlices({
    reviewedDir: join(dir, '2.reviewed_slices'),
    batchInputDir: join(dir, '3.batch_input'),
    dataDir: dir,
    config: parseConfig({ dedup: { enabled: true } }, 'test'),
    helpers,
    now: () => RUN_START,
    log: quietLog,
  });
  const files = (await listFiles(join(dir, '3.batch_input'))).map((f) => f.path).sort();
  const out: string[] = [];
  for (const f of files) {
    if (!f.endsWith('.jsonl')) continue;
    out.push(f.slice(dir.length), await readFile(f, 'utf8'));
  }
  return out;
}

test('fingerprinted in the helper thread, the same duplicates are found and the same requests sent as in the calling thread', async (t) => {
  const worker = threadHelpers();
  t.after(() => worker.close());
  const inThread = await convertWith(worker, await tempDir(t));
  const inline = await convertWith(inlineHelpers(), await tempDir(t));
  assert.deepEqual(inThread, inline);
  const rejects = inThread[inThread.findIndex((x) => x.endsWith('.rejects.jsonl')) + 1]!;
  const codes = rejects
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { code: string; similarity?: number });
  // Exact copies, near ones (renamed JavaScript) and the short ones repeated: all caught.
  assert.ok(codes.length >= 60, `${codes.length} duplicates`);
  assert.ok(codes.every((c) => c.code === 'duplicate'));
  assert.ok(
    codes.some((c) => c.similarity !== undefined && c.similarity < 1),
    'a near one',
  );
});

test('fingerprints the helper thread fails fail the run, and are no unhandled rejection while their chunk waits', async (t) => {
  // Nothing awaits them until their chunk is placed; an unhandled rejection would end the
  // process (`slicebatch run` treats one as fatal), daemon included.
  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', record);
  t.after(() => process.off('unhandledRejection', record));
  const failing: ConvertHelpers = {
    ...inlineHelpers(),
    fingerprintCodes: () => Promise.reject(new Error('the helper thread stopped')),
  };
  await assert.rejects(convertWith(failing, await tempDir(t)), /the helper thread stopped/);
  // Past the turn of the event loop where an unhandled rejection is reported.
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(unhandled, []);
});
