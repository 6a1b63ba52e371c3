/**
 * The rejects report holds its entries in pieces (REPORT_PIECE_CHARS) before writing them: every
 * entry is in the report published, in order, however many pieces it took; an aborted report
 * leaves nothing; entries appended to a report there keep its lines first.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  REPORT_PIECE_CHARS,
  openRejectsReport,
  type RejectEntry,
} from '../../src/convert/rejects-report.ts';
import { tempDir } from '../support/temp-dir.ts';

const entry = (i: number): RejectEntry => ({
  file: '2.reviewed_slices/repo/s.jsonl',
  line: i + 1,
  code: 'duplicate',
  reason: `duplicate of slice "s${i - 1}": ${'x'.repeat(i % 300)}`,
  id: `s${i}`,
});

const linesOf = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { line: number });

test('every entry is in the report published, in order, over many pieces and the last one short', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'out', 's.rejects.jsonl');
  const report = openRejectsReport(path);
  // About five pieces, and a last one not full.
  const n = Math.ceil((5.5 * REPORT_PIECE_CHARS) / 250);
  for (let i = 0; i < n; i++) await report.add(entry(i));
  assert.equal(report.count, n);
  assert.equal(await report.close(), path);
  const lines = await linesOf(path);
  assert.deepEqual(
    lines.map((l) => l.line),
    Array.from({ length: n }, (_, i) => i + 1),
  );
  assert.deepEqual(lines[n - 1], entry(n - 1));
  assert.deepEqual(await readdir(join(dir, 'out')), ['s.rejects.jsonl']);
});

test('a report of a few entries (none written before its close) is published whole', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 's.rejects.jsonl');
  const report = openRejectsReport(path);
  for (let i = 0; i < 3; i++) await report.add(entry(i));
  await report.close();
  assert.deepEqual(await linesOf(path), [entry(0), entry(1), entry(2)]);
});

test('entries appended to a report there come after its lines; an aborted report leaves the one there as it was', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 's.rejects.jsonl');
  await writeFile(path, `${JSON.stringify(entry(0))}\n`);
  const appended = openRejectsReport(path, true);
  for (let i = 1; i < 2000; i++) await appended.add(entry(i));
  await appended.close();
  assert.equal((await linesOf(path)).length, 2000);
  const before = await readFile(path, 'utf8');
  const aborted = openRejectsReport(path, true);
  for (let i = 0; i < 2000; i++) await aborted.add(entry(i));
  await aborted.abort();
  assert.equal(await readFile(path, 'utf8'), before);
  assert.deepEqual(await readdir(dir), ['s.rejects.jsonl']);
});
