/**
 * What the triage makes of slice ids met before: sent by an earlier run (skipped, in whichever
 * file and run they come back), or repeated within what this run reads (a duplicate, rejected
 * with where it was first seen).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONVERTED_EARLIER } from '../../src/convert/converted-slices.ts';
import { createSliceTriage, type Triage } from '../../src/convert/slice-triage.ts';
import { SeenSliceIds } from '../../src/domain/seen-slice-ids.ts';
import { functionSlice } from '../support/slices.ts';

const SOURCES = ['repo_demo/a.jsonl', 'repo_demo/b.jsonl'];

function triageOf(sentEarlier: readonly string[]) {
  const seen = new SeenSliceIds();
  for (const id of sentEarlier) seen.add(id, { source: CONVERTED_EARLIER, lineNo: 0 });
  const triage = createSliceTriage({ scenario1: 100, scenario2: 100 }, (i) => SOURCES[i]);
  triage.startFolder(seen);
  return (id: string, source: number, lineNo: number): string => {
    const text = JSON.stringify(functionSlice({ id }));
    const t: Triage = triage.triage(
      { kind: 'text', lineNo, text, bytes: text.length },
      { index: source },
    );
    return t.kind === 'reject' ? `reject: ${t.entry.reason}` : t.kind;
  };
}

test('an id sent by an earlier run is skipped in every file that brings it back', () => {
  const see = triageOf(['old_1']);
  assert.equal(see('old_1', 0, 3), 'already_converted', 'the file read again');
  assert.equal(see('old_1', 1, 7), 'already_converted', 'another file of the same run');
  assert.equal(see('new_1', 1, 8), 'convert');
});

test('an id repeated within this run is a duplicate, named with where it was first seen', () => {
  const see = triageOf(['old_1']);
  assert.equal(see('old_1', 0, 3), 'already_converted');
  assert.equal(
    see('old_1', 0, 9),
    'reject: duplicate id "old_1" (first seen in repo_demo/a.jsonl line 3)',
    'twice in the same file: the second line is a duplicate',
  );
  assert.equal(see('new_1', 0, 4), 'convert');
  assert.equal(
    see('new_1', 1, 2),
    'reject: duplicate id "new_1" (first seen in repo_demo/a.jsonl line 4)',
  );
});
