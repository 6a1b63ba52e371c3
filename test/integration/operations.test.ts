/**
 * Operating it: `status` on a data folder in a known state (built here, its numbers worked
 * out here), its terminal rendering, `estimate` against token counts made here, `/metrics`
 * through a Prometheus text parser, `/healthz` when the poll loop is stuck.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { DEFAULT_PRICES } from '../../src/config/schema.ts';
import { createTokenCounter, encodingForModel } from '../../src/domain/token-counter.ts';
import { readJobs } from '../../src/jobs/job-store.ts';
import type { BatchApi } from '../../src/openai/batch-api.ts';
import type { StatusReport } from '../../src/status/status-report.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { runCli } from '../support/cli.ts';
import { daemonTestConfig, quickEmulator, startTestDaemon, waitFor } from '../support/daemon.ts';
import { MAIN } from '../support/daemon-process.ts';
import { testEmulator } from '../support/emulator.ts';
import { checkInvariant, testPipeline } from '../support/pipeline.ts';
import { createSliceGenerator, type GeneratedSlice } from '../support/slice-generator.ts';
import { jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

const customId = (s: GeneratedSlice) => `${s.type === 'class' ? 'scenario2' : 'scenario1'}_${s.id}`;

async function writeInbox(data: string, rel: string, lines: readonly unknown[]): Promise<void> {
  const path = join(data, '2.reviewed_slices', rel);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, jsonl(lines));
}

/**
 * repo_a/a1: 5 slices and a bad line, one slice refused by the API (400); repo_a/a2: 3 slices,
 * one always answered with invalid JSON (retried, then final); both finished. repo_b/b1: 4
 * slices in a batch still running. repo_c/c1: 2 slices converted, not submitted.
 */
async function knownState(t: Parameters<typeof tempDir>[0]) {
  const gen = createSliceGenerator({ repository: 'repo_a', seed: 5, classRatio: 0.3 });
  const a1 = Array.from({ length: 5 }, () => gen.next());
  const a2 = Array.from({ length: 3 }, () => gen.next());
  const b1 = Array.from({ length: 4 }, () =>
    createSliceGenerator({ repository: 'repo_b', seed: 6 }).next(),
  ).map((s, i) => ({ ...s, id: `repo_b_${i}_func`, type: 'function' as const }));
  const c1 = [createSliceGenerator({ repository: 'repo_c', seed: 7 }).next()];
  c1.push({ ...c1[0]!, id: `${c1[0]!.id}_2` });
  const env = await testEmulator(t, {
    faults: {
      requests: [
        { kind: 'error_4xx', status: 400, custom_id: `^${customId(a1[1]!)}$` },
        { kind: 'invalid_json', custom_id: `^${customId(a2[0]!)}` },
      ],
    },
  });
  const data = await tempDir(t);
  await writeInbox(data, 'repo_a/a1.jsonl', [...a1.slice(0, 3), 'not json', ...a1.slice(3)]);
  await writeInbox(data, 'repo_a/a2.jsonl', a2);
  assert.equal((await runCli(['process', '--data-dir', data, '-q'], { cwd: data })).code, 0);
  const p = await testPipeline(t, env, data);
  await p.settle();
  await writeInbox(data, 'repo_b/b1.jsonl', b1);
  assert.equal((await runCli(['process', '--data-dir', data, '-q'], { cwd: data })).code, 0);
  await p.submitter.submitRound(await listBatchInputFiles(join(data, '3.batch_input'), data));
  await env.advance(1000 + 250); // validated, then 2 of its 4 requests answered
  await p.poller.tick();
  await writeInbox(data, 'repo_c/c1.jsonl', c1);
  assert.equal((await runCli(['process', '--data-dir', data, '-q'], { cwd: data })).code, 0);
  await writeFile(
    join(data, 'config.json'),
    JSON.stringify({ limits: { max_cost_usd: 0.000001 }, data_dir: '.' }),
  );
  return { data, env, p };
}

test('status --json: every input file, the running batch, cost and what needs a person', async (t) => {
  const { data } = await knownState(t);
  const r = await runCli(['status', '--json'], { cwd: data });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as StatusReport;
  assert.equal(report.version, 1);
  assert.equal(report.daemon.state, 'not_running');
  const row = (f: string) => report.inputs.find((i) => i.file === `2.reviewed_slices/${f}`);
  const pick = (f: string) => {
    const i = row(f)!;
    return [i.slices, i.rejected, i.sent, i.results, i.failed, i.pending, i.unsent];
  };
  //                                  slices rej sent res fail pend unsent
  assert.deepEqual(pick('repo_a/a1.jsonl'), [5, 1, 5, 4, 1, 0, 0]);
  assert.deepEqual(pick('repo_a/a2.jsonl'), [3, 0, 3, 2, 1, 0, 0]);
  assert.deepEqual(pick('repo_b/b1.jsonl'), [4, 0, 4, 0, 0, 4, 0]);
  assert.deepEqual(pick('repo_c/c1.jsonl'), [2, 0, 0, 0, 0, 0, 2]);
  assert.equal(row('repo_a/a1.jsonl')!.repo, 'repo_a');
  assert.deepEqual(
    [report.totals.slices, report.totals.results, report.totals.failed, report.totals.pending],
    [14, 6, 2, 4],
  );

  const jobs = [...(await readJobs(join(data, '4.batch_output'))).values()];
  const running = jobs.filter((j) => j.status === 'in_progress');
  assert.equal(running.length, 1);
  assert.equal(report.active_batches.length, 1);
  const active = report.active_batches[0]!;
  assert.equal(active.batch_id, running[0]!.batch_id);
  assert.deepEqual([active.total, active.completed, active.failed], [4, 2, 0]);
  const expires = running[0]!.timestamps.expires_at! * 1000;
  assert.equal(
    active.deadline_in_s,
    Math.round((expires - Date.parse(report.generated_at)) / 1000),
  );

  // Cost, worked out here from the usage in the job files and the built-in prices.
  const price = DEFAULT_PRICES['gpt-4o-mini'];
  const reported = jobs.flatMap((j) => (j.usage === null ? [] : [j.usage]));
  const cost = reported.reduce(
    (n, j) => n + (j.input_tokens * price.input + j.output_tokens * price.output) / 1e6,
    0,
  );
  assert.ok(cost > 0);
  assert.ok(Math.abs(report.usage.cost_usd - cost) < 1e-12);
  assert.equal(
    report.usage.input_tokens,
    reported.reduce((n, u) => n + u.input_tokens, 0),
  );
  assert.equal(report.usage.estimated_prompt_tokens, running[0]!.prompt_tokens);
  assert.ok(
    report.attention.some(
      (a) => /repo_c\/scenario[12]_batch_input/.test(a.message) && /max_cost_usd/.test(a.message),
    ),
    JSON.stringify(report.attention),
  );
});

test('the status screen: colours on a terminal, none in a pipe; the same numbers', async (t) => {
  const { data } = await knownState(t);
  const piped = await runCli(['status'], { cwd: data });
  assert.equal(piped.code, 0);
  assert.ok(!piped.stdout.includes('\x1b'), 'no escape codes when not a terminal');
  assert.match(piped.stdout, /daemon: not running/);
  assert.match(piped.stdout, /Needs a person \(1\):/);
  assert.match(piped.stdout, /\[#{10}\.{10}\] 2\/4/, 'the running batch half done');
  assert.match(piped.stdout, /2\.reviewed_slices\/repo_b\/b1\.jsonl\s+4\s+0\s+4\s+0\s+0\s+4/);
  // A real terminal: `script` gives the command a pseudo-terminal and captures what it drew.
  const tty = spawnSync('script', ['-qec', `${process.execPath} ${MAIN} status`, '/dev/null'], {
    cwd: data,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], COLUMNS: '200', TERM: 'xterm' },
  });
  assert.equal(tty.status, 0, tty.stderr);
  const esc = '\u001b';
  assert.ok(tty.stdout.includes(`${esc}[1mslicebatch${esc}[0m`), 'bold title on a terminal');
  assert.ok(tty.stdout.includes(`${esc}[31mNeeds a person`), 'a red warning on a terminal');
  const plain = tty.stdout.replaceAll(new RegExp(`${esc}\\[[0-9;]*m`, 'g'), '').replace(/\r/g, '');
  assert.match(plain, /2\.reviewed_slices\/repo_b\/b1\.jsonl\s+4\s+0\s+4\s+0\s+0\s+4/);
});

test('estimate: exact prompt tokens of what waits, before and after conversion, and its cost', async (t) => {
  const data = await tempDir(t);
  const gen = createSliceGenerator({ repository: 'repo_e', seed: 12, classRatio: 0.4 });
  await writeInbox(
    data,
    'repo_e/e.jsonl',
    Array.from({ length: 12 }, () => gen.next()),
  );
  const before = await runCli(['estimate', '--json', '--data-dir', data], { cwd: data });
  assert.equal(before.code, 0, before.stderr);
  assert.equal((await runCli(['process', '--data-dir', data, '-q'], { cwd: data })).code, 0);
  const after = await runCli(['estimate', '--json', '--data-dir', data], { cwd: data });
  // Counted here, request by request, from what the conversion wrote.
  const counter = await createTokenCounter(encodingForModel('gpt-4o-mini'));
  const expected = { scenario1: { requests: 0, tokens: 0 }, scenario2: { requests: 0, tokens: 0 } };
  for (const f of await listBatchInputFiles(join(data, '3.batch_input'), data)) {
    for (const line of (await readFile(f.path, 'utf8')).split('\n').filter(Boolean)) {
      const { body } = JSON.parse(line) as {
        body: { messages: { role: string; content: string }[]; response_format: unknown };
      };
      const e = expected[f.manifest.scenario];
      e.requests++;
      e.tokens +=
        (await counter.exactChatTokens(body.messages)) +
        counter.count(JSON.stringify(body.response_format));
    }
  }
  type Row = {
    what: string;
    scenario: 'scenario1' | 'scenario2';
    requests: number;
    promptTokens: number;
    costUsd: number;
  };
  const price = DEFAULT_PRICES['gpt-4o-mini'];
  for (const [out, what] of [
    [before.stdout, 'reviewed_slices'],
    [after.stdout, 'batch_input_files'],
  ] as const) {
    const est = JSON.parse(out) as {
      rows: Row[];
      output_tokens_per_request: Record<string, number>;
    };
    for (const scenario of ['scenario1', 'scenario2'] as const) {
      const row = est.rows.find((r) => r.scenario === scenario)!;
      assert.equal(row.what, what);
      assert.equal(row.requests, expected[scenario].requests, `${what} ${scenario} requests`);
      assert.equal(row.promptTokens, expected[scenario].tokens, `${what} ${scenario} tokens`);
      const assumed = row.requests * est.output_tokens_per_request[scenario]!;
      const cost = (row.promptTokens * price.input + assumed * price.output) / 1e6;
      assert.ok(Math.abs(row.costUsd - cost) < 1e-12);
    }
  }
  assert.ok(expected.scenario1.requests > 0 && expected.scenario2.requests > 0);
  const text = await runCli(['estimate', '--data-dir', data], { cwd: data });
  assert.match(text.stdout, /Output tokens are an assumption: 700 per scenario 1 request/);
});

const family = (families: PromFamily[], name: string): PromFamily => {
  const f = families.find((x) => x.name === name);
  assert.ok(f, `metric ${name}`);
  return f;
};
const sample = (f: PromFamily, labels: Record<string, string> = {}): number =>
  Number(
    f.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value,
  );

test('/metrics: what happened, in the Prometheus text format, with the right numbers', async (t) => {
  const { emulator } = await quickEmulator(t);
  const dir = await tempDir(t);
  const config = daemonTestConfig({
    http: { listen: '127.0.0.1:0' },
    limits: { enqueued_tokens: { 'gpt-4o-mini': 5_000_000 } },
  });
  const d = await startTestDaemon(t, { dataDir: dir, emulator, config });
  assert.ok(d.daemon.httpUrl?.startsWith('http://127.0.0.1:'));
  const gen = createSliceGenerator({ repository: 'repo_m', seed: 3 });
  const files = [6, 4, 5];
  for (const [i, n] of files.entries()) {
    await writeInbox(dir, `repo_m/m${i}.jsonl`, [
      ...Array.from({ length: n }, () => gen.next()),
      '[]',
    ]);
  }
  await waitFor('every batch handled', async () => {
    const jobs = [...(await readJobs(d.paths.batchOutput)).values()];
    const r = await checkInvariant(dir).catch(() => undefined);
    return jobs.length > 0 && jobs.every((j) => j.done) && r?.usable === 15 ? jobs : undefined;
  });
  const text = await (await fetch(`${d.daemon.httpUrl}/metrics`)).text();
  const families = parsePrometheusTextFormat(text);
  const jobs = [...(await readJobs(d.paths.batchOutput)).values()];
  assert.equal(
    sample(family(families, 'slicebatch_batches'), { status: 'completed', provider: 'openai' }),
    jobs.length,
  );
  assert.equal(sample(family(families, 'slicebatch_requests'), { fate: 'usable' }), 15);
  assert.equal(sample(family(families, 'slicebatch_slices_total'), { result: 'converted' }), 15);
  assert.equal(sample(family(families, 'slicebatch_slices_total'), { result: 'rejected' }), 3);
  assert.equal(sample(family(families, 'slicebatch_inbox_files_total')), 3);
  assert.equal(sample(family(families, 'slicebatch_batches_submitted_total')), jobs.length);
  assert.equal(
    sample(family(families, 'slicebatch_enqueued_token_limit'), { model: 'gpt-4o-mini' }),
    5_000_000,
  );
  const reported = jobs.reduce((n, j) => n + (j.cost_usd ?? 0), 0);
  assert.ok(
    Math.abs(sample(family(families, 'slicebatch_cost_usd'), { kind: 'reported' }) - reported) <
      1e-12,
  );
  const poll = family(families, 'slicebatch_poll_duration_seconds');
  assert.equal(poll.type, 'HISTOGRAM');
  assert.ok(Number(poll.metrics[0]!.count) > 0);
  assert.equal(family(families, 'slicebatch_api_errors_total').type, 'COUNTER');
  const health = await fetch(`${d.daemon.httpUrl}/healthz`);
  assert.equal(health.status, 200);
});

test('/healthz turns 503 when the poll loop is stuck, and says why', async (t) => {
  const { emulator } = await quickEmulator(t);
  const dir = await tempDir(t);
  // Every retrieval hangs until released: the poll step sticks on the first batch it follows,
  // whenever that is (armed from the start, so a batch that ends early cannot slip past it).
  const release = Promise.withResolvers<void>();
  const hang = (api: BatchApi): BatchApi => ({
    ...api,
    retrieveBatch: async (id) => {
      await release.promise;
      return api.retrieveBatch(id);
    },
  });
  const config = daemonTestConfig({
    http: { listen: '127.0.0.1:0' },
    daemon: { stuck_after_ms: 1000, stop_timeout_ms: 1000 },
  });
  const d = await startTestDaemon(t, { dataDir: dir, emulator, config, api: hang });
  await waitFor(
    '/healthz 200 at the start',
    async () => (await fetch(`${d.daemon.httpUrl}/healthz`)).status === 200,
  );
  const gen = createSliceGenerator({ repository: 'repo_h', seed: 4 });
  await writeInbox(
    dir,
    'repo_h/h.jsonl',
    Array.from({ length: 3 }, () => gen.next()),
  );
  // On a loaded machine another step may pass stuck_after_ms for a while too: wait for the
  // poll step's own verdict.
  const text = await waitFor('/healthz 503 for the poll step', async () => {
    const r = await fetch(`${d.daemon.httpUrl}/healthz`);
    const body = await r.text();
    return r.status === 503 && /the poll step/.test(body) ? body : undefined;
  });
  assert.match(text, /unhealthy: the poll step has been running for \d+ s: stuck/);
  release.resolve();
  await waitFor(
    '/healthz 200 again',
    async () => (await fetch(`${d.daemon.httpUrl}/healthz`)).status === 200,
  );
});
