/**
 * Grounded answers, end to end through the emulator: its stand-in answers quote the request's
 * code, and its `ungrounded` fault makes chosen ones quote a line and a name the code does not
 * have. Poll retries such an answer once, then records it as final (`ungrounded`); compile
 * reports it with what was not found, and counts it in the statistics and the summary.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { compileDataset, type CompileSummary } from '../../src/compile/compile-dataset.ts';
import { parseConfig } from '../../src/config/load.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { LEDGER_FILE, type LedgerRecord } from '../../src/domain/ledger.ts';
import { openSliceIndex } from '../../src/review/slice-queries.ts';
import { readJournal } from '../../src/storage/journal.ts';
import {
  convert,
  customIdOf,
  quietLog,
  readJsonl,
  sliceSource,
  writeInbox,
} from '../support/dataset.ts';
import { testEmulator } from '../support/emulator.ts';
import { checkInvariant, testPipeline } from '../support/pipeline.ts';
import type { GeneratedSlice } from '../support/slice-generator.ts';
import { tempDir } from '../support/temp-dir.ts';
import { later } from '../support/test-time.ts';

interface GroundingRun {
  readonly data: string;
  readonly slices: GeneratedSlice[];
  /** Its answers are ungrounded at every attempt. */
  readonly always: GeneratedSlice;
  /** Its first answer is ungrounded, its second is not. */
  readonly once: GeneratedSlice;
  readonly summary: CompileSummary;
  readonly ledger: LedgerRecord[];
}

async function groundingRun(t: TestContext, raw: Record<string, unknown>): Promise<GroundingRun> {
  const data = await tempDir(t);
  const config = parseConfig(raw, 'test');
  const slices = sliceSource('repo_g', 101, 0.3)(10);
  const functions = slices.filter((s) => s.type === 'function');
  assert.ok(functions.length >= 4 && functions.length < slices.length);
  const [always, once] = functions as [GeneratedSlice, GeneratedSlice];
  await writeInbox(data, 'repo_g/code_slices.jsonl', slices);
  await convert(data, config);
  const env = await testEmulator(t, {
    faults: {
      requests: [
        { kind: 'ungrounded', custom_id: `^scenario1_${always.id}(~attempt\\d+)?$` },
        { kind: 'ungrounded', custom_id: `^scenario1_${once.id}$` },
      ],
    },
  });
  const p = await testPipeline(t, env, data, raw);
  await p.settle();
  await checkInvariant(data);
  const summary = await compileDataset({
    paths: dataPaths(data, '.'),
    config,
    now: () => later(60 * 60_000),
    log: quietLog,
  });
  const ledger = await readJournal<LedgerRecord>(join(data, '.slicebatch', LEDGER_FILE));
  return { data, slices, always, once, summary, ledger };
}

const fatesOf = (ledger: readonly LedgerRecord[], slice: GeneratedSlice) =>
  ledger
    .filter((r) => r.custom_id === customIdOf(slice))
    .map((r) => ({ attempt: r.attempt, fate: r.fate, reason: r.reason }));

const PHANTOM =
  /quotes "return phantom_\w+_helper\(state\);", not in the code; `phantom_\w+_helper` is not in the code$/;

test('an ungrounded answer is retried once, then reported as ungrounded with what was not found, and counted', async (t) => {
  const { data, slices, always, once, summary, ledger } = await groundingRun(t, {});
  const functions = slices.filter((s) => s.type === 'function').length;

  // The ledger: the first answer sent again, the second final, both saying what is missing.
  const fates = fatesOf(ledger, always);
  assert.deepEqual(
    fates.map((f) => [f.attempt, f.fate]),
    [
      [1, 'retry'],
      [2, 'final'],
    ],
  );
  for (const f of fates)
    assert.match(f.reason!, new RegExp(`^ungrounded: step \\d+ ${PHANTOM.source}`));
  // Ungrounded once: its second answer is grounded and usable.
  assert.deepEqual(
    fatesOf(ledger, once).map((f) => [f.attempt, f.fate]),
    [
      [1, 'retry'],
      [2, 'usable'],
    ],
  );
  // Every other answer of the emulator quotes its code: usable at once.
  for (const s of slices) {
    if (s === always || s === once) continue;
    assert.deepEqual(
      fatesOf(ledger, s).map((f) => [f.attempt, f.fate]),
      [[1, 'usable']],
      s.id,
    );
  }

  // The failures report: the one slice, as ungrounded, with what was not found.
  const failures = await readJsonl(summary.failures.path);
  assert.equal(failures.length, 1);
  assert.equal(failures[0].category, 'ungrounded');
  assert.equal(failures[0].custom_id, customIdOf(always));
  assert.equal(failures[0].attempt, 2);
  assert.match(failures[0].reason, PHANTOM);

  // Records: every other slice, the once-ungrounded one from its second answer.
  const records = (
    await readJsonl(summary.processed.find((p) => p.scenario === 'scenario1')!.path)
  ).map((r) => r.metadata);
  assert.equal(records.length, functions - 1);
  assert.equal(records.find((m) => m.slice_id === once.id)?.attempt, 2);
  assert.equal(
    records.find((m) => m.slice_id === always.id),
    undefined,
  );

  // Statistics and the review summary.
  const stats = JSON.parse(await readFile(summary.statisticsPath, 'utf8'));
  assert.equal(stats.failures.by_category.ungrounded, 1);
  assert.equal(stats.ungrounded_rate, Math.round((1 / functions) * 10_000) / 10_000);
  assert.equal(stats.by_scenario.scenario1, functions - 1);
  const review = await readFile(summary.summaryPath, 'utf8');
  assert.match(
    review,
    new RegExp(
      `Ungrounded answers \\(scenario 1, quoting code the slice does not have\\): 1 \\(${((1 / functions) * 100).toFixed(2)} %`,
    ),
  );
  assert.match(review, /- ungrounded: 1 \(answer quotes code the slice does not have\)/);

  // The review page lists it under the same category.
  const index = await openSliceIndex({
    paths: dataPaths(data, '.'),
    log: quietLog,
    checkMs: 1000,
    waitMs: 60_000,
    now: () => 0,
  });
  t.after(() => index.close());
  const listed = await index.search({ category: 'ungrounded' });
  assert.deepEqual(
    listed.rows.map((r) => r.slice_id),
    [always.id],
  );
  assert.match(listed.rows[0]!.reason!, PHANTOM);
});

test('with grounding.enabled false the made-up answers are taken: the fault is what the check catches', async (t) => {
  const { slices, always, once, summary, ledger } = await groundingRun(t, {
    grounding: { enabled: false },
  });
  for (const s of [always, once])
    assert.deepEqual(
      fatesOf(ledger, s).map((f) => [f.attempt, f.fate]),
      [[1, 'usable']],
    );
  const records = await readJsonl(summary.processed.find((p) => p.scenario === 'scenario1')!.path);
  assert.equal(records.length, slices.filter((s) => s.type === 'function').length);
  const taken = records.find((r) => r.metadata.slice_id === always.id);
  assert.match(JSON.stringify(taken), /phantom_\w+_helper/);
  const stats = JSON.parse(await readFile(summary.statisticsPath, 'utf8'));
  assert.equal(stats.failures.by_category.ungrounded, 0);
  assert.equal(stats.ungrounded_rate, 0);
});
