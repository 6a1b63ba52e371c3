import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CRASHED_CALL_MS,
  crashedCreates,
  StoreState,
  type StoreRecord,
} from '../../src/anthropic/store-state.ts';

const intent = (key: string, sent_at: number): StoreRecord => ({
  t: 'intent',
  key,
  file_id: `file_${key}`,
  metadata: { slicebatch_file: `${key}.jsonl` },
  requests: 3,
  model: 'claude-x',
  sent_at,
});

test('anthropic store state: an intent, its lost windows, its batch, a duplicate, translated results', () => {
  const state = new StoreState();
  state.apply(intent('k1', 1000));
  state.apply({ t: 'lost', key: 'k1', sent_at: 1000, failed_at: 2000 });
  state.apply({ t: 'lost', key: 'nobody', sent_at: 1, failed_at: 2 });
  assert.equal(state.known('b1'), undefined);
  state.apply({ t: 'created', key: 'k1', batch_id: 'b1', adopted: true });
  state.apply(intent('k1', 3000)); // a second intent of the same key keeps windows and batch
  state.apply({ t: 'duplicate', key: 'k1', batch_id: 'b2' });
  const i = state.intent('k1')!;
  assert.deepEqual(i.windows, [{ sentAt: 1000, failedAt: 2000 }]);
  assert.equal(i.batchId, 'b1');
  assert.equal(state.intent('nobody'), undefined);
  assert.deepEqual(
    [...state.intents()].map((x) => x.key),
    ['k1'],
  );
  assert.deepEqual(state.known('b1'), {
    inputFileId: 'file_k1',
    metadata: { slicebatch_file: 'k1.jsonl' },
    prepared: false,
    usage: undefined,
    model: 'claude-x',
  });
  const usage = { input_tokens: 5, output_tokens: 7, total_tokens: 12 } as const;
  state.apply({ t: 'prepared', batch_id: 'b1', usage });
  assert.equal(state.known('b1')!.prepared, true);
  assert.equal(state.isDuplicate('b2'), true);
  assert.equal(state.isDuplicate('b1'), false);
});

test('anthropic store state: a create a crash interrupted is a lost answer until its timeout', () => {
  const records: StoreRecord[] = [
    intent('answered', 10),
    { t: 'created', key: 'answered', batch_id: 'b1', adopted: false },
    intent('failed', 20),
    { t: 'lost', key: 'failed', sent_at: 20, failed_at: 30 },
    intent('crashed', 40),
    intent('failed', 50), // sent again, then the crash
  ];
  assert.deepEqual(crashedCreates(records), [
    { t: 'lost', key: 'crashed', sent_at: 40, failed_at: 40 + CRASHED_CALL_MS },
    { t: 'lost', key: 'failed', sent_at: 50, failed_at: 50 + CRASHED_CALL_MS },
  ]);
  assert.deepEqual(crashedCreates([]), []);
});
