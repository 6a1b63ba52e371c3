import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CRASH_POINTS } from '../../src/submit/submit-file.ts';
import { prng } from '../support/slice-generator.ts';
import { writeBatchInputs } from '../support/batch-inputs.ts';
import { testEmulator, type TestEmulator } from '../support/emulator.ts';
import { tempDir } from '../support/temp-dir.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

function submit(
  env: TestEmulator,
  dataDir: string,
  extraEnv: Record<string, string> = {},
  killAfterMs?: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'submit', '--data-dir', dataDir], {
      cwd: dataDir,
      stdio: 'ignore',
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        OPENAI_BASE_URL: env.emulator.url,
        OPENAI_API_KEY: 'sk-crash-test-key',
        ...extraEnv,
      },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
    if (killAfterMs !== undefined) void sleep(killAfterMs).then(() => child.kill('SIGKILL'));
  });
}

/** Per input content: the batches the emulator holds; and the uploaded files. */
async function onEmulator(env: TestEmulator) {
  const bySha = new Map<string, number>();
  for await (const b of env.client.batches.list({ limit: 100 })) {
    const sha = b.metadata?.['slicebatch_sha256'] ?? '?';
    bySha.set(sha, (bySha.get(sha) ?? 0) + 1);
  }
  let uploads = 0;
  for await (const f of env.client.files.list({ purpose: 'batch' })) if (f) uploads++;
  return { bySha, uploads };
}

async function dataDir(t: Parameters<typeof tempDir>[0], files: number, rpm: number) {
  const dir = await tempDir(t);
  await writeBatchInputs(dir, files, 2);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      submit: { requests_per_minute: rpm, retry_base_ms: 10, reconcile_settle_ms: 300 },
    }),
  );
  return dir;
}

test('a crash between every pair of steps, then a restart: every file submitted exactly once', async (t) => {
  for (const point of CRASH_POINTS) {
    for (const nth of [1, 2]) {
      const env = await testEmulator(t);
      const dir = await dataDir(t, 3, 60_000);
      const crashed = await submit(env, dir, { SLICEBATCH_CRASH_AT: `${point}:${nth}` });
      assert.equal(crashed.signal, 'SIGKILL', `${point}:${nth} crashed`);
      const done = await submit(env, dir);
      assert.equal(done.code, 0, `${point}:${nth}: the restart finishes`);
      const { bySha, uploads } = await onEmulator(env);
      assert.equal(bySha.size, 3, `${point}:${nth}: every file submitted`);
      for (const n of bySha.values()) assert.equal(n, 1, `${point}:${nth}: one batch per file`);
      assert.equal(uploads, 3, `${point}:${nth}: no upload leaked`);
      assert.equal(env.emulator.stats().batchesCreated, 3);
      const jobs = (await readdir(join(dir, '4.batch_output', 'repo_t'))).filter((n) =>
        n.startsWith('batch_job_'),
      );
      assert.equal(jobs.length, 3, `${point}:${nth}: a job file per batch`);
      await env.emulator.close();
    }
  }
});

test('SIGKILL at random moments, again and again, then a restart: exactly once', async (t) => {
  const env = await testEmulator(t);
  const files = 8;
  // 20 calls a second: a run takes about a second, so kills land in the middle of the work.
  const dir = await dataDir(t, files, 1200);
  const rnd = prng(2026);
  for (let i = 0; i < 8; i++) await submit(env, dir, {}, 100 + Math.floor(rnd() * 700));
  const done = await submit(env, dir);
  assert.equal(done.code, 0);
  const { bySha, uploads } = await onEmulator(env);
  assert.equal(bySha.size, files);
  for (const n of bySha.values()) assert.equal(n, 1);
  assert.equal(uploads, files);
  assert.equal(env.emulator.stats().batchesCreated, files);
});
