/**
 * `slicebatch status` names the slicebatch command holding the data folder (its lock) while it
 * holds it: a `process` run by hand converts with no daemon running, and its slices are in no
 * figure until its files are sealed; without this, status said only "never started here" and
 * 0 slices. In `--json` (`in_use_by`) always; on the screen and the review page's overview
 * unless it is the daemon's own lock.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { overviewPart } from '../../src/review/overview-page.ts';
import { lockDataDir } from '../../src/storage/data-dir-lock.ts';
import { statusOf as status } from '../support/cli.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

async function dataFolder(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const data = await tempDir(t);
  await mkdir(join(data, '2.reviewed_slices', 'repo_a'), { recursive: true });
  await writeFile(
    join(data, '2.reviewed_slices', 'repo_a', 'a.jsonl'),
    jsonl([functionSlice({ id: 'a1' })]),
  );
  await writeFile(join(data, 'config.json'), JSON.stringify({ data_dir: '.' }));
  return data;
}

test('status names a `process` holding the data folder, and nothing once it let go', async (t) => {
  const data = await dataFolder(t);
  // This test's process stands for a `process` run by hand (alive, on this host).
  const lock = await lockDataDir(join(data, '.slicebatch'), data, 'process');
  const held = await status(data);
  assert.equal(held.report.daemon.state, 'not_running');
  assert.equal(held.report.in_use_by?.command, 'process');
  assert.equal(held.report.in_use_by?.pid, process.pid);
  assert.equal(held.report.in_use_by?.host, hostname());
  assert.ok(!Number.isNaN(Date.parse(held.report.in_use_by?.since ?? '')));
  const words = new RegExp(
    `in use by slicebatch process \\(pid ${process.pid} on .+\\) since .+: what it converts shows once its files are sealed`,
  );
  assert.match(held.screen, words);
  assert.match(overviewPart(held.report, []).toString(), words, "the review page's overview too");

  await lock.release();
  const free = await status(data);
  assert.equal(free.report.in_use_by, null);
  assert.doesNotMatch(free.screen, /in use by/);
  assert.doesNotMatch(overviewPart(free.report, []).toString(), /in use by/);
});

test('status does not name a lock whose process is gone, and keeps the daemon’s off the screen', async (t) => {
  const data = await dataFolder(t);
  const state = join(data, '.slicebatch');
  await mkdir(state, { recursive: true });
  // A `process` that died (no such pid on this host): its lock holds nothing.
  const dead = { pid: 2 ** 22 + 7, host: hostname(), command: 'process', started_at: 'x' };
  await writeFile(join(state, 'lock'), JSON.stringify(dead));
  const stale = await status(data);
  assert.equal(stale.report.in_use_by, null);
  assert.doesNotMatch(stale.screen, /in use by/);

  // The daemon's lock: in the JSON, not on the screen (its own line says it).
  const live = { pid: process.pid, host: hostname(), command: 'run', started_at: 'x' };
  await writeFile(join(state, 'lock'), JSON.stringify(live));
  const daemon = await status(data);
  assert.equal(daemon.report.in_use_by?.command, 'run');
  assert.doesNotMatch(daemon.screen, /in use by/);
  assert.doesNotMatch(overviewPart(daemon.report, []).toString(), /in use by/);
});
