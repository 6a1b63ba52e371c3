/**
 * The `refused` failure category (a refusal, or an answer the content filter stopped) as every
 * reader of compile's categories tells it: the failures report, the dataset statistics, the
 * review summary, the dataset card and the review page count the same slices under it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileDataset } from '../../src/compile/compile-dataset.ts';
import type { FailureEntry } from '../../src/compile/failure-categories.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { openSliceIndex } from '../../src/review/slice-queries.ts';
import { CATEGORY_LABELS } from '../../src/review/compiled-categories.ts';
import { quietLog, readJsonl } from '../support/dataset.ts';
import { settledWithRefusals } from '../support/refusals.ts';
import { RUN_START } from '../support/test-time.ts';

test('refused: the failures report, statistics, review summary, dataset card and page agree', async (t) => {
  const { data, slices, p } = await settledWithRefusals(t);
  const paths = dataPaths(data, '.');
  const compiled = await compileDataset({
    paths,
    config: p.config,
    now: () => RUN_START,
    log: quietLog,
  });
  const failures = (await readJsonl(compiled.failures.path)) as FailureEntry[];
  const inReport = failures.filter((f) => f.category === 'refused').map((f) => f.slice_id);
  assert.deepEqual(inReport.sort(), [slices[0]!.id, slices[1]!.id].sort());

  const stats = JSON.parse(await readFile(compiled.statisticsPath, 'utf8')) as {
    failures: { total: number; by_category: Record<string, number> };
    responses_received: number;
    responses_usable: number;
  };
  assert.equal(stats.failures.by_category['refused'], 2);
  assert.equal(stats.failures.total, failures.length);
  // Received (200 answers) but not usable, as docs/dataset.md says.
  assert.equal(stats.responses_received - stats.responses_usable, 2);

  const summary = await readFile(compiled.summaryPath, 'utf8');
  assert.match(
    summary,
    /^- refused: 2 \(refused by the model or stopped by the content filter\)$/m,
  );

  const card = await readFile(join(compiled.hfDataset.path, 'README.md'), 'utf8');
  assert.match(card, /Slices without a record: 2 \(refused 2\)/);

  const index = await openSliceIndex({ paths, log: quietLog });
  t.after(() => index.close());
  const shown = await index.search({ category: 'refused' });
  assert.deepEqual(shown.rows.map((r) => r.slice_id).sort(), inReport.sort());
  assert.ok(CATEGORY_LABELS.refused.length > 0);
});
