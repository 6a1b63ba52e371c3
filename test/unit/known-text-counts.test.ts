import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createKnownTextCounts,
  MAX_KNOWN_CHARS,
  MAX_KNOWN_TEXTS,
  TRIAL_LOOKUPS,
} from '../../src/convert/known-text-counts.ts';

test('a learned count is given back for the same scenario and segment only', () => {
  const known = createKnownTextCounts();
  assert.equal(known.get('scenario1', 0, 'Repository: a\n'), undefined);
  known.learn('scenario1', 0, 'Repository: a\n', 4);
  assert.equal(known.get('scenario1', 0, 'Repository: a\n'), 4);
  assert.equal(known.get('scenario1', 1, 'Repository: a\n'), undefined);
  assert.equal(known.get('scenario2', 0, 'Repository: a\n'), undefined);
  assert.equal(known.get('scenario1', 0, 'Repository: b\n'), undefined);
});

test('long texts (the code) are neither wanted nor looked up', () => {
  const known = createKnownTextCounts();
  const long = 'x'.repeat(MAX_KNOWN_CHARS + 1);
  assert.equal(known.wants('scenario1', 3, long), false);
  assert.equal(known.wants('scenario1', 3, long.slice(1)), true);
  known.learn('scenario1', 3, long, 9);
  assert.equal(known.get('scenario1', 3, long), undefined);
});

test('a segment whose texts do not repeat is given up; the others keep their counts', () => {
  const known = createKnownTextCounts();
  known.learn('scenario1', 2, 'Complexity: simple\n\n', 5);
  for (let i = 0; i < TRIAL_LOOKUPS; i++) {
    const text = `Function: f${i}.py::g\n`;
    assert.equal(known.wants('scenario1', 1, text), true, `lookup ${i}`);
    assert.equal(known.get('scenario1', 1, text), undefined);
    known.learn('scenario1', 1, text, 7);
    assert.equal(known.get('scenario1', 2, 'Complexity: simple\n\n'), 5);
  }
  assert.equal(known.wants('scenario1', 1, 'Function: f0.py::g\n'), false);
  known.learn('scenario1', 1, 'Function: f0.py::g\n', 7);
  assert.equal(known.get('scenario1', 1, 'Function: f0.py::g\n'), undefined);
  assert.equal(known.wants('scenario1', 2, 'Complexity: medium\n\n'), true);
  assert.equal(known.get('scenario1', 2, 'Complexity: simple\n\n'), 5);
});

test('a segment holds at most MAX_KNOWN_TEXTS texts: a full store starts again', () => {
  const known = createKnownTextCounts();
  for (let i = 0; i < MAX_KNOWN_TEXTS; i++) known.learn('scenario2', 0, `t${i}`, i);
  assert.equal(known.get('scenario2', 0, 't0'), 0);
  assert.equal(known.get('scenario2', 0, `t${MAX_KNOWN_TEXTS - 1}`), MAX_KNOWN_TEXTS - 1);
  known.learn('scenario2', 0, 'one more', 1);
  assert.equal(known.get('scenario2', 0, 'one more'), 1);
  assert.equal(known.get('scenario2', 0, 't0'), undefined);
});
