import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRecord } from '../../src/jobs/job-record.ts';
import { priceFor } from '../../src/domain/cost.ts';
import { admit, backoffMs, limitFromMessage } from '../../src/domain/enqueued-token-budget.ts';
import type { BatchInputFile } from '../../src/submit/batch-input-files.ts';
import { planSubmissions, type PlanInput } from '../../src/domain/submission-plan.ts';
import { foldRecords, type SubmissionRecord } from '../../src/jobs/submission-state.ts';

function file(name: string, tokens: number, model = 'gpt-4o-mini', sha = name): BatchInputFile {
  return {
    path: `/d/${name}`,
    display: name,
    repo: '',
    name,
    manifest: {
      version: 1,
      file: name,
      scenario: 'scenario1',
      model,
      requests: 10,
      bytes: 100,
      prompt_tokens: tokens,
      max_completion_tokens: 0,
      sha256: sha,
      created_at: '',
      sources: [],
      attempt: 1,
    },
  };
}

function job(
  id: string,
  status: string,
  tokens: number,
  extra: Partial<JobRecord> = {},
): JobRecord {
  return {
    batch_id: id,
    status,
    model: 'gpt-4o-mini',
    prompt_tokens: tokens,
    estimated_cost_usd: null,
    cost_usd: null,
    ...extra,
  } as JobRecord;
}

const base = (over: Partial<PlanInput>): PlanInput => ({
  files: [],
  submissions: new Map(),
  jobs: new Map(),
  limits: new Map(),
  prices: { 'gpt-4o-mini': { input: 1, output: 0 } },
  maxCostUsd: undefined,
  outputTokens: { scenario1: 0, scenario2: 0 },
  inFlight: new Set(),
  now: 1000,
  ...over,
});

test('the journal folds into each file’s phase, across attempts', () => {
  const r: SubmissionRecord[] = [
    { t: 'upload_intent', sha256: 'a', file: 'a.jsonl', attempt: 1, at: 1 },
    { t: 'uploaded', sha256: 'a', file: 'a.jsonl', file_id: 'file-1', at: 2 },
    { t: 'create_intent', sha256: 'a', file: 'a.jsonl', file_id: 'file-1', attempt: 1, at: 3 },
    { t: 'upload_intent', sha256: 'b', file: 'b.jsonl', attempt: 1, at: 4 },
    {
      t: 'created',
      sha256: 'a',
      file: 'a.jsonl',
      file_id: 'file-1',
      batch_id: 'batch_1',
      attempt: 1,
      at: 5,
    },
    {
      t: 'requeued',
      sha256: 'a',
      file: 'a.jsonl',
      attempt: 2,
      reason: 'token_limit_exceeded',
      not_before: 99,
      at: 6,
    },
  ];
  const s = foldRecords(r);
  assert.equal(s.get('b')?.phase, 'uploading');
  assert.equal(s.get('b')?.intentAt, 4);
  const a = s.get('a')!;
  assert.equal(a.phase, 'waiting');
  assert.equal(a.attempt, 2);
  assert.equal(a.fileId, 'file-1', 'the upload is reused by the next attempt');
  assert.deepEqual(a.batchIds, ['batch_1']);
  assert.equal(a.notBefore, 99);
});

test('the budget admits in order per model, counting unfinished batches and earlier admissions', () => {
  const decisions = planSubmissions(
    base({
      files: [file('a', 40), file('b', 40), file('c', 10), file('d', 30, 'gpt-5-mini')],
      jobs: new Map([
        ['x', job('x', 'in_progress', 30)],
        ['y', job('y', 'completed', 1000)],
      ]),
      limits: new Map([
        ['gpt-4o-mini', 100],
        ['gpt-5-mini', 20],
      ]),
    }),
  );
  assert.deepEqual(
    decisions.map((d) => [d.file.name, d.kind]),
    [
      ['a', 'submit'], // 30 in use + 40
      ['b', 'wait_budget'], // 70 + 40 > 100
      ['c', 'wait_budget'], // would fit, but waits behind b (no starving a large file)
      ['d', 'too_large'], // 30 > 20 ever
    ],
  );
});

test('files already submitted, failed, duplicated, waiting or in flight are not submitted', () => {
  const subs = foldRecords([
    { t: 'created', sha256: 'a', file: 'a', file_id: 'f', batch_id: 'batch_a', attempt: 1, at: 1 },
    { t: 'failed', sha256: 'b', file: 'b', attempt: 1, reason: '400 bad', at: 1 },
    { t: 'created', sha256: 'c', file: 'c', file_id: 'f', batch_id: 'batch_c', attempt: 1, at: 1 },
    {
      t: 'requeued',
      sha256: 'c',
      file: 'c',
      attempt: 2,
      reason: 'token_limit_exceeded',
      not_before: 5000,
      at: 2,
    },
  ]);
  const decisions = planSubmissions(
    base({
      files: [
        file('a', 1),
        file('b', 1),
        file('c', 1),
        file('a-copy', 1, 'gpt-4o-mini', 'a'),
        file('e', 1),
      ],
      submissions: subs,
      inFlight: new Set(['e']),
    }),
  );
  assert.deepEqual(
    decisions.map((d) => d.kind),
    ['done', 'failed', 'backoff', 'duplicate', 'in_flight'],
  );
  const later = planSubmissions(base({ files: [file('c', 1)], submissions: subs, now: 5000 }));
  assert.equal(later[0]!.kind, 'submit');
});

test('the cost cap stops at the first file that would pass it', () => {
  const decisions = planSubmissions(
    base({
      files: [file('a', 1_000_000), file('b', 1_000_000), file('c', 1)],
      jobs: new Map([['x', job('x', 'completed', 0, { cost_usd: 0.5 })]]),
      maxCostUsd: 2,
    }),
  );
  assert.deepEqual(
    decisions.map((d) => d.kind),
    ['submit', 'cost_cap', 'cost_cap'],
  );
  const stop = decisions[1]!;
  assert.ok(stop.kind === 'cost_cap' && stop.spentUsd === 1.5 && stop.nextUsd === 1);
});

test('a submission interrupted after its create intent is finished whatever the budget', () => {
  const subs = foldRecords([
    { t: 'create_intent', sha256: 'a', file: 'a', file_id: 'f', attempt: 1, at: 1 },
  ]);
  const decisions = planSubmissions(
    base({
      files: [file('a', 500)],
      submissions: subs,
      limits: new Map([['gpt-4o-mini', 100]]),
      maxCostUsd: 0.0001,
    }),
  );
  assert.equal(decisions[0]!.kind, 'submit');
});

test('token limits, backoff and prices', () => {
  assert.equal(
    limitFromMessage(
      'Enqueued token limit reached for gpt-4o-mini in organization org-x. Limit: 2,000,000 enqueued tokens. Please try again once some in_progress batches have been completed.',
    ),
    2_000_000,
  );
  assert.equal(limitFromMessage('something else'), undefined);
  assert.equal(admit({ limits: new Map(), inUse: new Map() }, 'm', 10 ** 12), 'fits');
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, 100, 1000)),
    [100, 200, 400, 800, 1000, 1000],
  );
  const prices = { 'gpt-4o': { input: 1, output: 2 }, 'gpt-4o-mini': { input: 3, output: 4 } };
  assert.deepEqual(priceFor('gpt-4o-mini-2024-07-18', prices), prices['gpt-4o-mini']);
  assert.deepEqual(priceFor('gpt-4o-2024-08-06', prices), prices['gpt-4o']);
  assert.equal(priceFor('llama3', prices), undefined);
});
