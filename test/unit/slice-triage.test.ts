/**
 * What the triage makes of slice ids met before: sent by an earlier run (skipped, in whichever
 * file and run they come back), or repeated within what this run reads (a duplicate, rejected
 * with where it was first seen).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONVERTED_EARLIER } from '../../src/convert/converted-slices.ts';
import { createSliceTriage, type Admission } from '../../src/convert/slice-triage.ts';
import { SeenSliceIds } from '../../src/domain/seen-slice-ids.ts';

const SOURCES = ['repo_demo/a.jsonl', 'repo_demo/b.jsonl'];

const TOO_LARGE = { code: 'slice_too_large', reason: 'too large' } as const;

function triageOf(sentEarlier: readonly string[], caps = { scenario1: 100, scenario2: 100 }) {
  const seen = new SeenSliceIds();
  for (const id of sentEarlier) seen.add(id, { source: CONVERTED_EARLIER, lineNo: 0 });
  const triage = createSliceTriage(caps, (i) => SOURCES[i]);
  const see = (id: string, source: number, lineNo: number, tooLarge = false): string => {
    const at = { id, scenario: 'scenario1' as const, source, lineNo };
    const turnsAway = triage.turnsAway(seen, id, 'scenario1');
    const t: Admission = triage.admit(seen, tooLarge ? { ...at, tooLarge: TOO_LARGE } : at);
    // Told ahead that a slice is turned away, the triage never converts it.
    if (turnsAway) assert.notEqual(t.kind, 'convert', `${id} line ${lineNo}`);
    return t.kind === 'reject' ? `reject: ${t.entry.reason}` : t.kind;
  };
  return see;
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

test('a repeated id is a duplicate even when too large; a too large slice is not remembered', () => {
  const see = triageOf([]);
  assert.equal(see('a', 0, 1), 'convert');
  assert.equal(
    see('a', 0, 2, true),
    'reject: duplicate id "a" (first seen in repo_demo/a.jsonl line 1)',
  );
  assert.equal(see('b', 0, 3, true), 'reject: too large');
  assert.equal(see('b', 0, 4), 'convert', 'its id was not taken by the line too large');
});

test('over a cap a slice is skipped and not remembered, whatever the order it comes in', () => {
  const see = triageOf(['old_1'], { scenario1: 2, scenario2: 100 });
  assert.equal(see('a', 0, 1), 'convert');
  assert.equal(see('old_1', 0, 2), 'already_converted', 'skipped slices take no cap');
  assert.equal(see('b', 0, 3), 'convert');
  assert.equal(see('c', 0, 4), 'over_cap');
  assert.equal(see('c', 0, 5), 'over_cap', 'not remembered: not a duplicate');
  assert.equal(
    see('a', 1, 6),
    'reject: duplicate id "a" (first seen in repo_demo/a.jsonl line 1)',
    'a repeated id is still a duplicate over the cap',
  );
});
