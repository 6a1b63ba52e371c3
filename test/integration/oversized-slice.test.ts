/**
 * One slice too large for the model must not wedge conversion: it is rejected with the reason
 * (before its tokens are counted when it is far over the context), and the rest of its file is
 * converted as usual.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { convertReviewedSlices } from '../../src/convert/convert-reviewed-slices.ts';
import { inlineHelpers } from '../../src/convert/helper-thread-client.ts';
import { createLogger } from '../../src/log/logger.ts';
import { listFiles } from '../../src/storage/list-files.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

const quietLog = await createLogger({ level: 'silent', stream: { write() {} } });

/** Lines of ordinary code, repeated (with a counter, so they are not all the same) to `chars`. */
function codeOf(chars: number, head = ''): string {
  let code = `def handler(event, context):\n${head}`;
  for (let i = 0; code.length < chars; i++) {
    code += `    value_${i} = compute(event["key_${i % 97}"], context, retries=${i % 7})\n`;
    code += `    if value_${i} is None:\n        log.warning("no value for %s", ${i})\n`;
  }
  return code;
}

async function convert(dir: string, slices: readonly Record<string, unknown>[]) {
  const path = join(dir, '2.reviewed_slices', 'repo_a', 'slices.jsonl');
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, jsonl(slices));
  const summary = await convertReviewedSlices({
    reviewedDir: join(dir, '2.reviewed_slices'),
    batchInputDir: join(dir, '3.batch_input'),
    dataDir: dir,
    config: parseConfig({ model: 'gpt-4o-mini' }, 'test'),
    helpers: inlineHelpers(),
    now: () => new Date(0),
    log: quietLog,
  });
  const outputs = await listFiles(join(dir, '3.batch_input'), (rel) =>
    /scenario1_batch_input_.*\.jsonl$/.test(rel),
  );
  const ids: string[] = [];
  for (const f of outputs) {
    for (const line of (await readFile(f.path, 'utf8')).split('\n').filter(Boolean)) {
      ids.push((JSON.parse(line) as { custom_id: string }).custom_id);
    }
  }
  const report = (await readFile(join(dir, '3.batch_input/repo_a/slices.rejects.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { line: number; code: string; reason: string; id?: string });
  return { summary, ids: ids.sort(), report };
}

test('a slice far over the model context is rejected before counting, the rest of its file converted', async (t) => {
  const dir = await tempDir(t);
  // 1.1 million characters, more than 128,000 tokens at 8 characters a token, with a run of
  // 100,000 letters in it (one chunk for the tokenizer: byte-pair merging it whole takes
  // seconds to minutes; the daemon was wedged by a 15 MB one).
  const huge = codeOf(1_100_000, `    blob = "${'QUJD'.repeat(25_000)}"\n`);
  const { summary, ids, report } = await convert(dir, [
    functionSlice({ id: 'before' }),
    functionSlice({ id: 'huge', code_snippet: huge }),
    functionSlice({ id: 'after' }),
  ]);
  assert.deepEqual(ids, ['scenario1_after', 'scenario1_before']);
  assert.equal(summary.totals.converted.scenario1, 2);
  assert.equal(summary.totals.rejected, 1);
  assert.equal(report.length, 1);
  assert.equal(report[0]!.line, 2);
  assert.equal(report[0]!.code, 'slice_too_large');
  assert.equal(report[0]!.id, 'huge');
  assert.match(report[0]!.reason, /1,1\d\d,\d\d\d characters/);
  assert.match(report[0]!.reason, /128,000-token context of gpt-4o-mini/);
});

test('a slice whose counted prompt and completion budget pass the model context is rejected with its count', async (t) => {
  const dir = await tempDir(t);
  // Under the estimate's bound (fewer than 1,024,000 characters), over the context once counted.
  const big = codeOf(700_000);
  const { summary, ids, report } = await convert(dir, [
    functionSlice({ id: 'big', code_snippet: big }),
    functionSlice({ id: 'small' }),
  ]);
  assert.deepEqual(ids, ['scenario1_small']);
  assert.equal(summary.totals.rejected, 1);
  assert.equal(report[0]!.code, 'slice_too_large');
  assert.equal(report[0]!.line, 1);
  const m = /(\d[\d,]*) prompt tokens \+ (\d[\d,]*) completion tokens/.exec(report[0]!.reason);
  assert.ok(m, report[0]!.reason);
  assert.ok(Number(m[1]!.replace(/,/g, '')) > 128_000);
  assert.equal(m[2], '2,000');
  assert.match(report[0]!.reason, /128,000-token context of gpt-4o-mini/);
});
