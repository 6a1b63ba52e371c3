/**
 * The daemon through API failures of its poll step, end to end with the emulator: a batch
 * listing that fails after the SDK's retries is logged by name, counted in the heartbeat and
 * the metrics, and tried again by the next tick; the daemon goes on.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { readHeartbeat } from '../../src/domain/heartbeat.ts';
import { readJobs } from '../../src/jobs/job-store.ts';
import { daemonTestConfig, quickEmulator, startTestDaemon, waitFor } from '../support/daemon.ts';
import { checkInvariant } from '../support/pipeline.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

async function writeInbox(data: string, rel: string, lines: readonly unknown[]): Promise<void> {
  const path = join(data, '2.reviewed_slices', rel);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, jsonl(lines));
}

interface PollRecord {
  readonly level: number;
  readonly msg: string;
  readonly component?: string;
  readonly code?: string;
  readonly status?: number;
}

test('a batch listing failing after the SDK retries: logged by name, counted, the next tick tries again', async (t) => {
  // The first 12 listing requests fail (500): with the SDK's 2 retries, 4 listing calls fail,
  // the start's access check and then 3 poll ticks (at the start no batch is followed yet).
  const { emulator } = await quickEmulator(t, {
    schedule: { validatingMs: 3000 },
    faults: {
      http: [
        {
          route: 'GET /v1/batches',
          kind: 'status',
          status: 500,
          nth: Array.from({ length: 12 }, (_, i) => i + 1),
        },
      ],
    },
  });
  const dir = await tempDir(t);
  const config = daemonTestConfig({ http: { listen: '127.0.0.1:0' } });
  const d = await startTestDaemon(t, { dataDir: dir, emulator, config });
  // Three repo folders, three batches or more: more than a retrieve each, so the tick lists.
  for (const repo of ['repo_x', 'repo_y', 'repo_z']) {
    const gen = createSliceGenerator({ repository: repo, seed: 11 });
    await writeInbox(
      dir,
      `${repo}/s.jsonl`,
      Array.from({ length: 3 }, () => gen.next()),
    );
  }
  const failed = await waitFor('a failed poll in the heartbeat', async () => {
    const beat = await readHeartbeat(d.paths.state);
    return beat?.last_poll?.ok === false ? beat.last_poll : undefined;
  });
  assert.ok((failed.failures ?? 0) >= 1, 'failures in a row');
  await waitFor('every batch handled', async () => {
    const jobs = [...(await readJobs(d.paths.batchOutput)).values()];
    const r = await checkInvariant(dir).catch(() => undefined);
    return jobs.length >= 3 && jobs.every((j) => j.done) && r?.usable === 9 ? jobs : undefined;
  });
  assert.equal(emulator.stats().faults, 12, 'every planned listing failure happened');
  const beat = await waitFor('a good poll after the failures', async () => {
    const b = await readHeartbeat(d.paths.state);
    return b?.last_poll?.ok === true ? b : undefined;
  });
  assert.equal(beat.last_poll?.failures ?? 0, 0, 'the count in a row ends with a good tick');

  // Logged by name, with the API's code, once per failed tick; no secret.
  const records = d.log.logRecords<PollRecord>();
  const named = records.filter((r) => /could not list the batches/.test(r.msg));
  assert.equal(named.length, 3, records.map((r) => r.msg).join('\n'));
  for (const r of named) {
    assert.equal(r.component, 'poll');
    assert.match(r.msg, /the next tick tries again/);
    assert.equal(r.code, 'transient_api');
    assert.equal(r.status, 500);
  }
  assert.doesNotMatch(d.log.text, /sk-test-daemon/);

  // Counted as failed poll steps in the metrics.
  const text = await (await fetch(`${d.daemon.httpUrl}/metrics`)).text();
  const families = parsePrometheusTextFormat(text);
  const steps = families.find((f) => f.name === 'slicebatch_step_failures_total');
  assert.ok(steps, 'slicebatch_step_failures_total');
  const poll = steps.metrics.find((m) => m.labels?.['step'] === 'poll');
  assert.equal(Number(poll?.value), named.length, 'every failed tick counted');
  const health = await fetch(`${d.daemon.httpUrl}/healthz`);
  assert.equal(health.status, 200, 'the daemon is alive and goes on');
});
