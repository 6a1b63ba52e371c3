import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWorkQueue, mayRunBeside, type StepName } from '../../src/daemon/work-queue.ts';
import { createLogger } from '../../src/log/logger.ts';

/** Steps that record when they start and end, each held until released. */
function gatedSteps() {
  const events: string[] = [];
  const gates = new Map<StepName, PromiseWithResolvers<void>>();
  const step = (name: StepName) => async (): Promise<void> => {
    const gate = Promise.withResolvers<void>();
    gates.set(name, gate);
    events.push(`${name}+`);
    await gate.promise;
    events.push(`${name}-`);
  };
  const release = async (name: StepName): Promise<void> => {
    gates.get(name)!.resolve();
    gates.delete(name);
    await new Promise((r) => setImmediate(r));
  };
  return {
    events,
    release,
    steps: { intake: step('intake'), submit: step('submit'), poll: step('poll') },
  };
}

test('intake runs while a poll runs; submit waits for both; nothing overtakes a step it cannot run beside', async () => {
  const log = await createLogger({ level: 'silent', stream: { write() {} } });
  const { events, release, steps } = gatedSteps();
  const q = createWorkQueue({ now: () => 0, signal: new AbortController().signal, log, steps });
  const poll = q.request('poll');
  const intake = q.request('intake');
  assert.deepEqual(events, ['poll+', 'intake+'], 'intake starts beside the running poll');
  assert.deepEqual(
    q.runningSteps.map((r) => r.step),
    ['poll', 'intake'],
  );
  const submit = q.request('submit');
  const intakeAgain = q.request('intake');
  assert.equal(q.depth, 2);
  await release('intake');
  await intake;
  // The second intake waits behind the submit asked for before it (it cannot run beside it).
  assert.deepEqual(events, ['poll+', 'intake+', 'intake-']);
  await release('poll');
  await poll;
  assert.deepEqual(events, ['poll+', 'intake+', 'intake-', 'poll-', 'submit+']);
  assert.equal(q.running?.step, 'submit');
  const pollAgain = q.request('poll');
  await release('submit');
  await submit;
  // Then the second intake and the poll asked after it run together.
  assert.deepEqual(events.slice(5), ['submit-', 'intake+', 'poll+']);
  await release('intake');
  await release('poll');
  await Promise.all([intakeAgain, pollAgain]);
  assert.equal(q.running, undefined);
  assert.equal(q.depth, 0);
});

test('only intake and poll run beside each other', () => {
  const steps: StepName[] = ['intake', 'submit', 'poll'];
  const pairs = steps.flatMap((a) =>
    steps.filter((b) => mayRunBeside(a, b)).map((b) => `${a}+${b}`),
  );
  assert.deepEqual(pairs, ['intake+poll', 'poll+intake']);
});

test('a drain lets the waiting go and waits for every running step', async () => {
  const log = await createLogger({ level: 'silent', stream: { write() {} } });
  const { events, release, steps } = gatedSteps();
  const q = createWorkQueue({ now: () => 0, signal: new AbortController().signal, log, steps });
  void q.request('poll');
  void q.request('intake');
  const submit = q.request('submit');
  let drained = false;
  const drain = q.drain().then(() => (drained = true));
  await submit;
  await release('poll');
  assert.equal(drained, false, 'intake still runs');
  await release('intake');
  await drain;
  assert.deepEqual(events, ['poll+', 'intake+', 'poll-', 'intake-']);
});
