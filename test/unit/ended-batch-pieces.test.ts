import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FateTally } from '../../src/poll/fate-tally.ts';
import { fateRecorder, validationReason } from '../../src/poll/fate-records.ts';
import type { JobRecord } from '../../src/jobs/job-record.ts';
import { batchInputManifest } from '../../src/convert/batch-input-seal.ts';
import { buildCustomId } from '../../src/domain/custom-id.ts';

test('fate tally: only the first line decides, retries marked with their budgets and highest attempt', () => {
  const tally = new FateTally(4);
  assert.equal(tally.anyUnseen(), true);
  assert.equal(tally.firstLine(1), true);
  assert.equal(tally.firstLine(1), false, 'a second line of the same request');
  assert.equal(tally.seen(1), true);
  assert.equal(tally.seen(0), false);
  tally.count(1, { kind: 'retry', reason: 'length', maxCompletionTokens: 4096 }, 2);
  tally.firstLine(0);
  tally.count(0, { kind: 'usable' }, 1);
  tally.firstLine(2);
  tally.count(2, { kind: 'retry', reason: 'timeout' }, 3);
  assert.equal(tally.anyUnseen(), true, 'request 3 had no line');
  tally.firstLine(3);
  tally.count(3, { kind: 'final', reason: 'refused' }, 1);
  assert.equal(tally.anyUnseen(), false);
  assert.deepEqual(tally.outcome, { usable: 1, retry: 2, final: 1 });
  assert.equal(tally.retries, 2);
  assert.equal(tally.retryAttempt, 3);
  assert.deepEqual(
    [0, 1, 2, 3, -1].map((i) => tally.isRetry(i)),
    [false, true, true, false, false],
  );
  assert.deepEqual(
    [0, 1, 2, 3, -1].map((i) => tally.budgetOf(i)),
    [undefined, 4096, undefined, undefined, undefined],
  );
});

test('fate records: the custom_id without its attempt, the source when known, reason and results by fate', () => {
  const job = { repo: 'acme/tool', batch_id: 'batch_1', request_attempt: 1 } as JobRecord;
  const record = fateRecorder(
    job,
    (i) => (i === 0 ? 'reviewed/a.jsonl' : undefined),
    () => 7,
  );
  const id = buildCustomId('scenario1', 's1', 2);
  assert.deepEqual(record(id, 0, { kind: 'usable' }, 'results/r.jsonl'), {
    t: 'fate',
    repo: 'acme/tool',
    source: 'reviewed/a.jsonl',
    custom_id: 'scenario1_s1',
    attempt: 2,
    batch_id: 'batch_1',
    fate: 'usable',
    results: 'results/r.jsonl',
    at: 7,
  });
  assert.deepEqual(record('scenario1_s2', 1, { kind: 'final', reason: 'refused' }), {
    t: 'fate',
    repo: 'acme/tool',
    custom_id: 'scenario1_s2',
    attempt: 1,
    batch_id: 'batch_1',
    fate: 'final',
    reason: 'refused',
    at: 7,
  });
});

test('a failed validation is told by its first three errors, with their lines', () => {
  assert.equal(validationReason(null), 'the batch failed validation: no reason given');
  const errors = [
    { code: 'invalid_model', line: 1, message: 'no such model' },
    { code: null, line: null, message: 'bad' },
    { code: 'a', message: 'x' },
    { code: 'b', message: 'not told' },
  ] as JobRecord['errors'];
  assert.equal(
    validationReason(errors),
    'the batch failed validation: invalid_model (line 1): no such model; error: bad; a: x',
  );
});

test('a batch input manifest: its totals, sources sorted, the runs of lines per source', () => {
  const createdAt = new Date(Date.now());
  const runs = [
    { source: 'b.jsonl', first_line: 1, lines: 2 },
    { source: 'a.jsonl', first_line: 3, lines: 1 },
  ];
  const manifest = batchInputManifest('scenario1_batch_input_x.jsonl', {
    scenario: 'scenario1',
    model: 'gpt-test',
    fill: { requests: 3, bytes: 300, tokens: 90 },
    maxCompletionTokens: 3000,
    sha256: 'ab',
    createdAt,
    sources: new Set(['b.jsonl', 'a.jsonl']),
    attempt: 2,
    runs,
  });
  assert.deepEqual(manifest, {
    version: 1,
    file: 'scenario1_batch_input_x.jsonl',
    scenario: 'scenario1',
    model: 'gpt-test',
    requests: 3,
    bytes: 300,
    prompt_tokens: 90,
    max_completion_tokens: 3000,
    sha256: 'ab',
    created_at: createdAt.toISOString(),
    sources: ['a.jsonl', 'b.jsonl'],
    attempt: 2,
    source_lines: runs,
  });
});
