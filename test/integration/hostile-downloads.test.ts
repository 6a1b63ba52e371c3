/**
 * Downloads from a server that misbehaves: closes the connection mid-way through a large file,
 * closes it while the body is not read yet, or trickles the body so slowly that it never ends.
 * The daemon lives through each, keeps what arrived and resumes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { testEmulator } from '../support/emulator.ts';
import { checkInvariant, testPipeline } from '../support/pipeline.ts';
import { tempDir } from '../support/temp-dir.ts';

const jobsOf = (p: Awaited<ReturnType<typeof testPipeline>>) => [...p.submitter.jobs.values()];

test('a large results download cut mid-way by the server is resumed from where it stopped and verified', async (t) => {
  const requests = 3000;
  const env = await testEmulator(t, {
    faults: { http: [{ route: 'GET /v1/files/*/content', kind: 'cut_body', nth: [1] }] },
  });
  const data = await tempDir(t);
  await writeBatchInputs(data, 1, requests);
  const p = await testPipeline(t, env, data);
  await p.cycle(3_600_000);
  const [job] = jobsOf(p);
  assert.equal(job!.done, false);
  assert.match(job!.download_error ?? '', /terminated|socket|closed|reset|other side/i);
  const dir = join(data, '4.batch_output', 'repo_t');
  const part = (await readdir(dir)).find((n) => n.endsWith('.part'));
  assert.ok(part !== undefined, 'the first half is kept');
  const kept = (await stat(join(dir, part))).size;
  assert.ok(kept > 1024 * 1024, `a large download (${kept} bytes kept of the first half)`);
  const before = env.emulator.stats().requests;
  await p.settle();
  assert.ok(env.emulator.stats().requests > before);
  const report = await checkInvariant(data);
  assert.equal(report.usable, requests);
  const [done] = jobsOf(p);
  const lines = (await readFile(join(data, done!.results_path!), 'utf8')).split('\n');
  assert.equal(lines.filter(Boolean).length, requests);
});

test('a body trickled past request_timeout_ms is cut at the deadline, kept, and resumed', async (t) => {
  const env = await testEmulator(t, {
    faults: {
      http: [
        {
          route: 'GET /v1/files/*/content',
          kind: 'trickle',
          chunk_bytes: 64,
          delay_ms: 20,
          nth: [1],
        },
      ],
    },
  });
  const data = await tempDir(t);
  // About 30 KB: trickled at 64 bytes per 20 ms, some 10 s; the deadline is 1 s.
  await writeBatchInputs(data, 1, 30);
  const p = await testPipeline(t, env, data, { submit: { request_timeout_ms: 1000 } });
  await p.cycle(3_600_000);
  const [job] = jobsOf(p);
  assert.equal(job!.done, false);
  assert.match(job!.download_error ?? '', /did not finish within request_timeout_ms \(1000 ms\)/);
  const dir = join(data, '4.batch_output', 'repo_t');
  const part = (await readdir(dir)).find((n) => n.endsWith('.part'));
  assert.ok(part !== undefined && (await stat(join(dir, part))).size > 0, 'what arrived is kept');
  await p.settle();
  assert.equal((await checkInvariant(data)).usable, 30);
});

test('a connection closed while a response body is paused unread does not kill the process (undici 5360)', async () => {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../support/unread-body.ts')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.doesNotMatch(err, /assert\(!this\.paused\)/);
  assert.equal(code, 0, err);
  assert.equal(out.trim(), String(64 * 1024));
});
