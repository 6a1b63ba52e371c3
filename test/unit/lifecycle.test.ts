/**
 * The lifecycle: releasers last-in-first-out, every one even when one fails, the first error
 * rethrown; a stop bounded by its deadline, on mocked timers (no waiting for real time).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ABORT_GRACE_MS, StopDeadlineError, stopWithin } from '../../src/lifecycle/bounded-stop.ts';
import { createReleasers, withReleasers } from '../../src/lifecycle/releasers.ts';

test('releasers run newest first, every one even after a failure; the first failure is rethrown', async () => {
  const ran: string[] = [];
  const reported: unknown[] = [];
  const r = createReleasers({ onError: (err) => reported.push(err) });
  r.add(() => void ran.push('lock'));
  r.add(() => {
    ran.push('journal');
    throw new Error('first failure');
  });
  r.add(async () => {
    ran.push('watcher');
    await Promise.resolve();
    throw new Error('second failure');
  });
  r.add(() => void ran.push('timer'));
  await assert.rejects(r.release(), /second failure/);
  assert.deepEqual(ran, ['timer', 'watcher', 'journal', 'lock']);
  assert.equal(reported.length, 2);
  assert.equal(r.size, 0);
  await assert.rejects(r.release(), /second failure/, 'a second call waits for the same release');
  assert.equal(ran.length, 4, 'nothing released twice');
});

test('withReleasers: a failing start releases what it took and rethrows its own error', async () => {
  const ran: string[] = [];
  await assert.rejects(
    withReleasers(async (r) => {
      await Promise.resolve();
      r.add(() => void ran.push('a'));
      r.add(() => {
        throw new Error('release failed');
      });
      throw new Error('start failed');
    }),
    /start failed/,
  );
  assert.deepEqual(ran, ['a']);
  const kept = await withReleasers((r) => {
    r.add(() => void ran.push('b'));
    return Promise.resolve(r);
  });
  assert.deepEqual(ran, ['a'], 'a start that succeeds keeps its releasers');
  await kept.release();
  assert.deepEqual(ran, ['a', 'b']);
});

/** Lets pending promise callbacks run (mocked timers do not). */
const settle = () => new Promise<void>((r) => setImmediate(r));

test('a stop whose work ends in time does not abort', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const controller = new AbortController();
  const { promise: step, resolve } = Promise.withResolvers<void>();
  const outcome = stopWithin({ closers: [], drain: () => step }, { deadlineMs: 1000, controller });
  t.mock.timers.tick(999);
  resolve();
  assert.equal(await outcome, 'drained');
  assert.equal(controller.signal.aborted, false);
});

test('at the deadline the signal is aborted; work that ends then is "aborted", work that does not is left', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const controller = new AbortController();
  // A step that ends only when aborted (as an API call given the signal does).
  const step = new Promise<void>((_, reject) =>
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error)),
  );
  const outcome = stopWithin({ closers: [], drain: () => step }, { deadlineMs: 1000, controller });
  await settle();
  t.mock.timers.tick(999);
  await settle();
  assert.equal(controller.signal.aborted, false, 'not before the deadline');
  t.mock.timers.tick(1);
  assert.equal(await outcome, 'aborted');
  assert.ok(controller.signal.reason instanceof StopDeadlineError);

  const deaf = new AbortController();
  const left = stopWithin(
    { closers: [], drain: () => new Promise<void>(() => undefined) },
    { deadlineMs: 1000, controller: deaf },
  );
  await settle();
  t.mock.timers.tick(1000);
  await settle();
  assert.equal(deaf.signal.aborted, true);
  t.mock.timers.tick(ABORT_GRACE_MS);
  assert.equal(await left, 'abandoned');
});

test('a closer that waits for the running step does not hold the stop past the deadline', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const controller = new AbortController();
  const step = new Promise<void>((_, reject) =>
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error)),
  );
  // The watcher's close waits for the files it hands over, which wait behind the step.
  const outcome = stopWithin(
    { closers: [() => step.catch(() => undefined)], drain: () => step },
    { deadlineMs: 1000, controller },
  );
  await settle();
  t.mock.timers.tick(1000);
  assert.equal(await outcome, 'aborted');
});
