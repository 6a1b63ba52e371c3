import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { foldLedgerFates, resultFate, UsableFates } from '../../src/domain/ledger-fates.ts';
import { ledgerKey, type LedgerRecord } from '../../src/domain/ledger.ts';
import { tempDir } from '../support/temp-dir.ts';

test('usable fates: every key kept through growth, the latest attempt wins, unknown keys absent', () => {
  const fates = new UsableFates();
  const n = 50_000;
  for (let i = 0; i < n; i++) fates.set(ledgerKey(`repo_${i % 7}`, `scenario1_s${i}`), 1 + (i % 3));
  assert.equal(fates.size, n);
  for (let i = 0; i < n; i++) {
    assert.equal(fates.get(ledgerKey(`repo_${i % 7}`, `scenario1_s${i}`)), 1 + (i % 3));
  }
  assert.equal(fates.get(ledgerKey('repo_0', 'scenario1_s1')), undefined, 'another repo');
  assert.equal(fates.get(ledgerKey('repo_1', 'scenario2_s1')), undefined, 'another scenario');
  fates.set(ledgerKey('repo_1', 'scenario1_s1'), 4);
  assert.equal(fates.get(ledgerKey('repo_1', 'scenario1_s1')), 4);
  assert.equal(fates.size, n);
});

test('ledger fates: folded from the file, and what they say of a result of a given attempt', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'ledger.jsonl');
  const rec = (
    custom_id: string,
    attempt: number,
    fate: LedgerRecord['fate'],
    reason?: string,
  ): LedgerRecord => ({
    t: 'fate',
    repo: 'r',
    custom_id,
    attempt,
    batch_id: `batch_${attempt}`,
    fate,
    ...(reason === undefined ? {} : { reason }),
    at: 0,
  });
  const records = [
    rec('scenario1_a', 1, 'usable'),
    rec('scenario1_b', 1, 'retry', 'HTTP 500: busy'),
    rec('scenario1_b', 2, 'usable'),
    rec('scenario1_c', 1, 'retry', 'content is not valid JSON'),
    rec('scenario1_c', 2, 'final', 'HTTP 400: bad'),
    rec('scenario1_d', 1, 'usable'),
    rec('scenario1_d', 1, 'final', 'held not usable on a second look'),
  ];
  // A torn last line (a crash mid-append) is skipped.
  await writeFile(path, records.map((r) => `${JSON.stringify(r)}\n`).join('') + '{"t":"fa');
  const fates = await foldLedgerFates(path);
  const of = (id: string, attempt: number) => resultFate(fates, 'r', id, attempt);
  assert.deepEqual(of('scenario1_a', 1), { kind: 'usable' });
  assert.deepEqual(of('scenario1_b', 2), { kind: 'usable' });
  assert.equal(of('scenario1_b', 1).kind, 'unrecorded', 'not the attempt that was usable');
  const c = of('scenario1_c', 2);
  assert.equal(c.kind, 'not_usable');
  assert.equal(
    c.kind === 'not_usable' && `${c.fate.fate}: ${c.fate.reason}`,
    'final: HTTP 400: bad',
  );
  assert.equal(of('scenario1_c', 1).kind, 'not_usable', 'an earlier attempt of an open slice');
  assert.equal(of('scenario1_d', 1).kind, 'not_usable', 'the later record of the same attempt');
  assert.equal(of('scenario1_e', 1).kind, 'unrecorded');
  assert.equal(resultFate(fates, 'other', 'scenario1_a', 1).kind, 'unrecorded');
  assert.deepEqual([...fates.open.keys()].sort(), [
    ledgerKey('r', 'scenario1_c'),
    ledgerKey('r', 'scenario1_d'),
  ]);
  // No ledger yet: every result unrecorded.
  const none = await foldLedgerFates(join(dir, 'missing.jsonl'));
  assert.equal(resultFate(none, 'r', 'scenario1_a', 1).kind, 'unrecorded');
});
