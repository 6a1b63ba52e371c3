import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onceOutcome } from '../../src/daemon/once-outcome.ts';
import { markedUnknown, unknownAttention } from '../../src/jobs/unknown-batch.ts';
import { jobWith, onceState } from '../support/once-state.ts';

const job = jobWith({ batch_id: 'batch_x', batch_file: 'x.jsonl' });

test('a job marked unknown to the API keeps its first mark and is named for a person', () => {
  assert.equal(unknownAttention(job), undefined);
  const marked = markedUnknown(job, '404: No such batch', 0);
  assert.equal(marked.unknown_to_api?.since, new Date(0).toISOString());
  assert.equal(markedUnknown(marked, '404: again', 5000), marked, 'since stays the first time');
  assert.match(unknownAttention(marked) ?? '', /batch_x \(x\.jsonl\) is unknown to the API/);
  assert.equal(unknownAttention({ ...marked, done: true }), undefined);
});

test('run --once does not wait for a batch the API does not know: it ends with 1, naming it', () => {
  const state = onceState({ jobs: [markedUnknown(job, '404: No such batch', 0)] });
  const outcome = onceOutcome(state);
  assert.equal(outcome.ended, true);
  assert.equal(outcome.ended && outcome.exitCode, 1);
  assert.match(outcome.ended ? outcome.unfinished.join('\n') : '', /batch_x .*unknown to the API/);
});
