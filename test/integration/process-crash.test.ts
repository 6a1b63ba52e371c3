import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { listFiles } from '../../src/storage/list-files.ts';
import { generateSlicesJsonl } from '../support/slice-generator.ts';
import { tempDir } from '../support/temp-dir.ts';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

/** Batch input files under their final names so far. */
async function finalFiles(dataDir: string): Promise<number> {
  const files = await listFiles(join(dataDir, '3.batch_input'), (rel) =>
    /scenario[12]_batch_input_[^/]*\.jsonl$/.test(rel),
  );
  return files.length;
}

/**
 * Runs `process`; with `killAfterFiles`, kills it with SIGKILL once that many more batch input
 * files are in place (0: at once). Kill points follow the work, not the clock, so that a slow
 * or loaded machine moves them along with it.
 */
async function runProcess(dataDir: string, killAfterFiles?: number): Promise<number | null> {
  const before = killAfterFiles === undefined ? 0 : await finalFiles(dataDir);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'process', '--data-dir', dataDir, '--quiet'], {
      cwd: dataDir,
      stdio: 'ignore',
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    let exited = false;
    child.on('error', reject);
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    });
    if (killAfterFiles === undefined) return;
    void (async () => {
      while (!exited && (await finalFiles(dataDir)) < before + killAfterFiles) await sleep(5);
      child.kill('SIGKILL');
    })();
  });
}

/** Every file under a final name is complete: its manifest matches its content. */
async function checkFinalFiles(dataDir: string): Promise<string[]> {
  const ids: string[] = [];
  const files = await listFiles(join(dataDir, '3.batch_input'), (rel) =>
    /scenario[12]_batch_input_[^/]*\.jsonl$/.test(rel),
  );
  for (const f of files) {
    const raw = await readFile(f.path, 'utf8');
    const manifest = JSON.parse(
      await readFile(f.path.replace(/\.jsonl$/, '.manifest.json'), 'utf8'),
    );
    const lines = raw.split('\n').filter(Boolean);
    assert.equal(manifest.requests, lines.length, f.rel);
    assert.equal(manifest.sha256, createHash('sha256').update(raw).digest('hex'), f.rel);
    for (const l of lines) ids.push(`${f.relDir}/${JSON.parse(l).custom_id}`);
  }
  return ids;
}

test('SIGKILL at any moment never leaves a half file under a final name; a re-run completes exactly once', async (t) => {
  const dir = await tempDir(t);
  const total = 12000;
  for (const repo of ['repo_a', 'repo_b']) {
    await mkdir(join(dir, '2.reviewed_slices', repo), { recursive: true });
    await writeFile(
      join(dir, '2.reviewed_slices', repo, 'slices.jsonl'),
      generateSlicesJsonl(total / 2, { seed: repo.length + repo.charCodeAt(5), repository: repo }),
    );
  }
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ limits: { max_requests_per_file: 400 } }),
  );
  // Kill points from "before anything is written" to "much of the work done" (30 files in all).
  const progress: number[] = [];
  for (const killAfterFiles of [0, 1, 4, 9]) {
    await runProcess(dir, killAfterFiles);
    const ids = await checkFinalFiles(dir);
    assert.equal(
      new Set(ids).size,
      ids.length,
      `a slice converted twice after a kill after ${killAfterFiles} more files`,
    );
    progress.push(ids.length);
  }
  // The kills interrupted real work: some runs ended with part of the slices converted.
  assert.ok(
    progress.some((n) => n > 0 && n < total),
    `progress after kills: ${progress.join(', ')}`,
  );
  assert.equal(await runProcess(dir), 0);
  const ids = await checkFinalFiles(dir);
  assert.equal(ids.length, total);
  assert.equal(new Set(ids).size, total);
  // Leftovers of the killed runs are hidden temporary files only.
  const visible = (await readdir(join(dir, '3.batch_input', 'repo_a'))).filter(
    (n) => !/^scenario[12]_batch_input_.*\.(jsonl|manifest\.json)$/.test(n),
  );
  assert.deepEqual(
    visible.filter((n) => !n.startsWith('.')),
    [],
  );
});
