/**
 * The compiler takes each result's fate from the ledger (what the poller decided), not from a
 * judgement of its own: where the two would differ, the dataset follows the ledger.
 */
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileDataset } from '../../src/compile/compile-dataset.ts';
import { parseConfig } from '../../src/config/load.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { LEDGER_FILE, type LedgerRecord } from '../../src/domain/ledger.ts';
import {
  convert,
  customIdOf,
  quietLog,
  readJsonl,
  sliceSource,
  writeInbox,
} from '../support/dataset.ts';
import { testEmulator } from '../support/emulator.ts';
import { testPipeline } from '../support/pipeline.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START } from '../support/test-time.ts';

test('compile follows the ledger: a well-formed answer it holds not usable is no record; a result without a fate is reported', async (t) => {
  const data = await tempDir(t);
  const config = parseConfig({}, 'test');
  const slices = sliceSource('repo_a', 61, 0)(5);
  await writeInbox(data, 'repo_a/s.jsonl', slices);
  await convert(data, config);
  const env = await testEmulator(t);
  const p = await testPipeline(t, env, data);
  await p.settle();

  const ledgerPath = join(data, '.slicebatch', LEDGER_FILE);
  const records = (await readJsonl(ledgerPath)) as LedgerRecord[];
  assert.ok(records.length === 5 && records.every((r) => r.fate === 'usable'));
  const [judged, unrecorded] = [customIdOf(slices[1]!), customIdOf(slices[3]!)];
  const judgedRecord = records.find((r) => r.custom_id === judged)!;
  // The poller (a stricter judge than the answer's structure) held one well-formed answer not
  // usable, for good; and one result's fate was never recorded (a ledger that lost it).
  await writeFile(
    ledgerPath,
    records
      .filter((r) => r.custom_id !== unrecorded)
      .map((r) => `${JSON.stringify(r)}\n`)
      .join(''),
  );
  const reason = 'the answer cites lines the function does not have';
  const final: LedgerRecord = { ...judgedRecord, fate: 'final', reason };
  delete (final as { results?: string }).results;
  await appendFile(ledgerPath, `${JSON.stringify(final)}\n`);

  const summary = await compileDataset({
    paths: dataPaths(data, '.'),
    config,
    now: () => RUN_START,
    log: quietLog,
  });
  const written = (await readJsonl(summary.processed[0]!.path)).map((r) => r.metadata.custom_id);
  assert.deepEqual(written.sort(), [0, 2, 4].map((i) => customIdOf(slices[i]!)).sort());
  const failures = await readJsonl(summary.failures.path);
  assert.deepEqual(
    failures.map((f) => [f.category, f.custom_id, f.line, f.reason]),
    [
      ['final', judged, 2, reason],
      [
        'final',
        unrecorded,
        4,
        `its result (batch ${judgedRecord.batch_id}, attempt 1) has no fate in the ledger`,
      ],
    ],
  );
  assert.equal(summary.statistics.responses_usable, 3, 'usable as the ledger says');

  // The same results, the ledger's verdict undone: every answer is a record again.
  await writeFile(ledgerPath, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const again = await compileDataset({
    paths: dataPaths(data, '.', { finalOutput: join(data, 'again') }),
    config,
    now: () => RUN_START,
    log: quietLog,
  });
  assert.equal(again.records, 5);
  assert.equal((await readFile(again.failures.path, 'utf8')).length, 0);
});
