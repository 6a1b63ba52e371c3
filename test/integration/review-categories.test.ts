/**
 * The review page shows and filters every category compile can report: those the index tells
 * from the stage files and the ledger, and those only compile's reading tells (an answer over
 * the fine-tuning token limit, a line the rejects report refused), taken from its newest
 * failures report.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileDataset } from '../../src/compile/compile-dataset.ts';
import { FAILURE_CATEGORY_LIST, type FailureEntry } from '../../src/compile/failure-categories.ts';
import { parseConfig } from '../../src/config/load.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { CATEGORY_LABELS } from '../../src/review/compiled-categories.ts';
import { slicesBody } from '../../src/review/slice-pages.ts';
import { openSliceIndex, type SliceRow } from '../../src/review/slice-queries.ts';
import { convert, quietLog, readJsonl, sliceSource, writeInbox } from '../support/dataset.ts';
import { testEmulator } from '../support/emulator.ts';
import { testPipeline } from '../support/pipeline.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START } from '../support/test-time.ts';

test("every category of compile's list has a page entry: shown, labelled and filterable", async (t) => {
  const data = await tempDir(t);
  const slices = sliceSource('repo_c', 81)(FAILURE_CATEGORY_LIST.length);
  await writeInbox(data, 'repo_c/s.jsonl', slices);
  const paths = dataPaths(data, '.');
  // A failures report that puts each slice in one category, in the list's order.
  await mkdir(paths.finalOutput, { recursive: true });
  const entries = FAILURE_CATEGORY_LIST.map((category, i): FailureEntry => ({
    category,
    reason: `reason of ${category}`,
    repo: 'repo_c',
    file: '2.reviewed_slices/repo_c/s.jsonl',
    line: i + 1,
    slice_id: slices[i]!.id,
  }));
  await writeFile(
    join(paths.finalOutput, 'failures_20000101_000000.jsonl'),
    entries.map((e) => JSON.stringify(e) + '\n').join(''),
  );
  const index = await openSliceIndex({ paths, log: quietLog });
  t.after(() => index.close());
  for (const [i, category] of FAILURE_CATEGORY_LIST.entries()) {
    assert.ok(CATEGORY_LABELS[category], `${category} has a label`);
    const found = await index.search({ category });
    assert.deepEqual(
      found.rows.map((r) => [r.slice_id, r.category, r.reason]),
      [[slices[i]!.id, category, `reason of ${category}`]],
      `the ${category} filter`,
    );
    const page = slicesBody({ category }, found, ['repo_c'], 1).toString();
    assert.match(page, new RegExp(`<option value="${category}"\\s+selected>`), category);
    assert.ok(page.includes(CATEGORY_LABELS[category]), `${category}'s label on the page`);
    assert.ok(page.includes(`cat-${category}`), `${category} shown in the list`);
  }
});

test('after a real compile, the page says what compile says of each slice without a record', async (t) => {
  const data = await tempDir(t);
  const a = sliceSource('repo_a', 82);
  const good = a(6);
  // A line that is not JSON and a second line with the first slice's id: both rejected.
  await writeInbox(data, 'repo_a/s.jsonl', [...good, 'not json', good[0]!]);
  await convert(data, parseConfig({}, 'test'));
  const p = await testPipeline(t, await testEmulator(t), data);
  await p.settle();
  const paths = dataPaths(data, '.');
  // Chat format with a 1-token example limit: every answer is over it, no record is made.
  const compiled = await compileDataset({
    paths,
    config: parseConfig({ compile: { format: 'chat', max_example_tokens: 1 } }, 'test'),
    format: 'chat',
    now: () => RUN_START,
    log: quietLog,
  });
  const reported = (await readJsonl(compiled.failures.path)) as FailureEntry[];
  const categories = new Set(reported.map((e) => e.category));
  assert.deepEqual([...categories].sort(), ['over_token_limit', 'rejected']);

  const index = await openSliceIndex({ paths, log: quietLog });
  t.after(() => index.close());
  const rows: SliceRow[] = [];
  for (let page = 0; ; page++) {
    const r = await index.search({ page });
    rows.push(...r.rows);
    if (rows.length >= r.total) break;
  }
  assert.equal(rows.length, good.length + 2);
  for (const e of reported) {
    const row = rows.find((r) => r.source === e.file && r.line === e.line);
    assert.equal(row?.category, e.category, `${e.file}:${e.line} (${e.reason})`);
  }
  assert.equal(reported.length, rows.length, 'no slice has a record');
  assert.equal((await index.search({ category: 'over_token_limit' })).total, good.length);
  assert.equal((await index.search({ category: 'record' })).total, 0);
});
