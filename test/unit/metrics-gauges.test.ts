import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRecord } from '../../src/jobs/job-record.ts';
import { requestFates, spend } from '../../src/daemon/metrics-gauges.ts';
import { createMetrics } from '../../src/daemon/metrics.ts';

const job = (o: Partial<JobRecord>): JobRecord =>
  ({
    status: 'completed',
    outcome: null,
    cost_usd: null,
    estimated_cost_usd: null,
    ...o,
  }) as JobRecord;

test('request fates sum the finished batches only', () => {
  const jobs = [
    job({ outcome: { usable: 3, retry: 1, final: 2 } }),
    job({ status: 'in_progress' }),
    job({ outcome: { usable: 4, retry: 0, final: 1 } }),
  ];
  assert.deepEqual(requestFates(jobs), { usable: 7, retry: 1, final: 3 });
  assert.deepEqual(requestFates([]), { usable: 0, retry: 0, final: 0 });
});

test('spend: reported usage first, else the estimate, and a failed batch without usage costs nothing', () => {
  const jobs = [
    job({ cost_usd: 1.5, estimated_cost_usd: 2 }),
    job({ status: 'in_progress', estimated_cost_usd: 0.25 }),
    job({ status: 'failed', estimated_cost_usd: 9 }),
    job({ status: 'validating' }),
  ];
  assert.deepEqual(spend(jobs), { reported: 1.5, estimated: 0.25 });
});

test('slicebatch_submit_paused_until_seconds: when a kept submission pause ends, 0 without one', async () => {
  let until: number | undefined = Date.now() + 3_600_000 + 600;
  const metrics = createMetrics({
    jobs: () => [],
    limits: () => new Map(),
    queueDepth: () => 0,
    inboxWaiting: () => 0,
    submitPausedUntil: () => until,
  });
  const value = async (): Promise<string | undefined> =>
    /^slicebatch_submit_paused_until_seconds (\S+)$/m.exec(await metrics.registry.metrics())?.[1];
  assert.equal(await value(), String(Math.ceil(until / 1000)));
  until = undefined;
  assert.equal(await value(), '0');
});
