import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fingerprintCode } from '../../src/domain/code-fingerprint.ts';
import {
  NOT_SENT_COMMIT_ROWS,
  openDuplicateStore,
  type DuplicateMatch,
} from '../../src/storage/duplicate-store.ts';

// With every slice a duplicate, no batch input file is sealed, so nothing calls `commit`: the
// duplicates not sent must still be committed as they come, a bounded number at a time, or a
// run that dies (or is aborted: `close` without `commit`) loses every one of them.
test('duplicates not sent are committed every NOT_SENT_COMMIT_ROWS rows without a commit: a run aborted after many keeps all but the last few', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'slicebatch-not-sent-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'duplicates.sqlite');
  const at = new Date(0);
  const code = 'def f(a, b):\n    return [a + b, a * b, a - b, a // b, "x", 1, 2, 3]\n';
  let store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  store.keep(
    { repo: 'a', id: 'kept', file: 'k.jsonl', line: 1 },
    fingerprintCode(code, 'k.py'),
    at,
  );
  const match: DuplicateMatch = {
    kind: 'exact',
    similarity: 1,
    kept: { repo: 'a', id: 'kept', file: 'k.jsonl', line: 1, at: at.toISOString() },
  };
  const rows = 2 * NOT_SENT_COMMIT_ROWS + 7;
  for (let i = 0; i < rows; i++) {
    const entry = { repo: 'b', id: `d${i}`, file: 'd.jsonl', line: i + 1 };
    store.notSent({ ...entry, scenario: 'scenario1', model: 'm', promptTokens: 3, match }, at);
  }
  store.close(); // the run failed: nothing committed by it
  store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  t.after(() => store.close());
  const saved = store.saved();
  assert.equal(saved.length, 1);
  // The rows of the last, unfinished transaction are lost; those before are not.
  assert.equal(saved[0]!.requests, 2 * NOT_SENT_COMMIT_ROWS);
  assert.equal(saved[0]!.promptTokens, 3 * 2 * NOT_SENT_COMMIT_ROWS);
});
