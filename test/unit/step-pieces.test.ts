/**
 * The pure pieces cut out of the submitter and the intake step: what a failed submission
 * means, the enqueued-token limits planned with, which offered files an intake run takes, and
 * the wait after a failed write.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { FILES_PER_RUN, nextBatch, nextWriteTrouble } from '../../src/daemon/intake-pieces.ts';
import { apiError, type FailureKind } from '../../src/errors.ts';
import type { ListedFile } from '../../src/storage/list-files.ts';
import { effectiveLimits } from '../../src/submit/learned-limits.ts';
import { meaningOf } from '../../src/submit/submit-round.ts';

const failure = (kind: FailureKind) => apiError({ kind, message: kind, maybeDone: false });

test('a failed submission: an abort stops the round whatever the error, 401 and quota stop it, the rest fail the file', () => {
  assert.equal(meaningOf(failure('permanent'), true), 'stopped');
  assert.equal(meaningOf(failure('auth'), false), 'auth');
  assert.equal(meaningOf(failure('quota'), false), 'quota');
  assert.equal(meaningOf(failure('permanent'), false), 'permanent');
  assert.equal(meaningOf(failure('transient'), false), 'transient');
  assert.equal(meaningOf(failure('rate_limited'), false), 'transient');
  assert.equal(meaningOf(new Error('ECONNRESET'), false), 'transient');
});

test('the limits planned with: a configured one wins, a learned one under a snapshot name counts for its alias', () => {
  const config = parseConfig(
    { model: 'gpt-4o-mini', limits: { enqueued_tokens: { 'gpt-4o': 5_000 } } },
    'test',
  );
  const limits = effectiveLimits(
    { 'gpt-4o-mini-2024-07-18': 2_000_000, 'gpt-4o': 90_000, 'other-model': 7 },
    config,
  );
  assert.deepEqual(
    [...limits].sort(),
    [
      ['gpt-4o', 5_000],
      ['gpt-4o-mini', 2_000_000],
      ['other-model', 7],
    ].sort(),
  );
});

test('an intake run takes at most FILES_PER_RUN offered files, in offer order, and leaves the rest offered', () => {
  const offered = new Map<string, ListedFile>();
  for (let i = 0; i < FILES_PER_RUN + 3; i++) {
    const path = `/inbox/f${i}.jsonl`;
    offered.set(path, { path } as ListedFile);
  }
  const batch = nextBatch(offered);
  assert.equal(batch.length, FILES_PER_RUN);
  assert.equal(batch[0]!.path, '/inbox/f0.jsonl');
  assert.deepEqual(
    [...offered.keys()],
    [1000, 1001, 1002].map((i) => `/inbox/f${i}.jsonl`),
  );
  assert.equal(nextBatch(offered).length, 3);
  assert.equal(offered.size, 0);
});

test('writes failing in a row: the first failure is remembered, the wait doubles up to its cap', () => {
  const fault = { code: 'ENOSPC', message: 'no space left on device' };
  const first = nextWriteTrouble(undefined, fault, 1_000);
  assert.deepEqual(
    { since: first.since, failures: first.failures, wait: first.retryAt - 1_000 },
    { since: 1_000, failures: 1, wait: 5_000 },
  );
  const second = nextWriteTrouble(first, fault, 7_000);
  assert.deepEqual(
    { since: second.since, failures: second.failures, wait: second.retryAt - 7_000 },
    { since: 1_000, failures: 2, wait: 10_000 },
  );
  let t = second;
  for (let i = 0; i < 20; i++) t = nextWriteTrouble(t, fault, 0);
  assert.equal(t.retryAt, 5 * 60_000);
  assert.equal(t.code, 'ENOSPC');
});
