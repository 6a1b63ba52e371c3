import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeWaiting, type PlanDecision } from '../../src/domain/submission-plan.ts';
import { apiError } from '../../src/errors.ts';
import type { BatchInputFile } from '../../src/submit/batch-input-files.ts';
import { holdWhilePaused, laterPause, pauseOf } from '../../src/submit/submit-pause.ts';

const file = (sha: string): BatchInputFile =>
  ({ display: `f_${sha}.jsonl`, manifest: { sha256: sha } }) as unknown as BatchInputFile;

const rateLimited = (retryAfterMs: number | undefined) =>
  apiError({
    kind: 'rate_limited',
    message: 'Rate limit reached for batch creation',
    status: 429,
    code: 'rate_limit_exceeded',
    retryAfterMs,
    maybeDone: false,
  });

test('only a wait longer than the retry cap pauses submission, until the time it names', () => {
  assert.equal(pauseOf(rateLimited(30_000), 60_000, 1000), undefined);
  assert.equal(pauseOf(rateLimited(undefined), 60_000, 1000), undefined);
  assert.equal(pauseOf(new Error('disk'), 60_000, 1000), undefined);
  const pause = pauseOf(rateLimited(3_600_000), 60_000, 1000)!;
  assert.equal(pause.until, 3_601_000);
  assert.match(pause.reason, /^the API limits these calls: 429 rate_limit_exceeded: Rate limit/);
  assert.equal(laterPause(pause, { until: 5, reason: 'x' }), pause);
  assert.equal(laterPause(undefined, pause), pause);
});

test('while paused, files to submit wait (but those sent); after it, the plan is unchanged', () => {
  const decisions: PlanDecision[] = [
    { kind: 'submit', file: file('a'), estimatedCostUsd: null },
    { kind: 'submit', file: file('b'), estimatedCostUsd: null },
    { kind: 'in_flight', file: file('c') },
  ];
  const pause = { until: 10_000, reason: 'the API limits these calls: 429' };
  const held = holdWhilePaused(decisions, pause, 5000, new Set(['a']));
  assert.equal(held[0], decisions[0]);
  assert.equal(held[2], decisions[2]);
  assert.equal(held[1]!.kind, 'backoff');
  assert.equal(
    describeWaiting(held[1]!),
    `waits until ${new Date(10_000).toISOString()} (the API limits these calls: 429)`,
  );
  assert.deepEqual(holdWhilePaused(decisions, pause, 10_000), decisions);
  assert.deepEqual(holdWhilePaused(decisions, undefined, 0), decisions);
});
