/**
 * The daemon's heartbeat carries the submission pause it holds (the long 429 of the batch
 * creations an hour, kept in `.slicebatch/submit-pause.json`), and `slicebatch health` (like
 * /healthz) says "submission paused until <time> (<why>)" while it holds, and nothing once it
 * has passed; /metrics says until when (slicebatch_submit_paused_until_seconds).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { judgeHealth, readHeartbeat } from '../../src/domain/heartbeat.ts';
import { runCli } from '../support/cli.ts';
import { daemonTestConfig, quickEmulator, startTestDaemon, waitFor } from '../support/daemon.ts';
import { beat } from '../support/heartbeat.ts';
import { tempDir } from '../support/temp-dir.ts';

const HOUR = 3_600_000;
const WHY = 'the API limits these calls: 429 rate_limit_exceeded: too many batches created';

test('health names the submission pause while it holds, and not after', () => {
  const paused = beat({ submit_pause: { until: 100_000 + HOUR, reason: WHY } });
  const during = judgeHealth(paused, 100_000);
  assert.equal(during.ok, true, 'a pause is not a fault of the daemon');
  const iso = new Date(100_000 + HOUR).toISOString();
  assert.ok(
    during.ok && during.summary.includes(`submission paused until ${iso} (${WHY})`),
    JSON.stringify(during),
  );
  const after = judgeHealth({ ...paused, beat_at: 100_000 + HOUR }, 100_000 + HOUR);
  assert.ok(after.ok && !after.summary.includes('paused'), JSON.stringify(after));
});

test('the daemon started on a kept pause puts it in its heartbeat; `health` says so', async (t) => {
  const data = await tempDir(t);
  const until = Date.now() + HOUR;
  await mkdir(join(data, '.slicebatch'), { recursive: true });
  await writeFile(
    join(data, '.slicebatch', 'submit-pause.json'),
    JSON.stringify({ until, reason: WHY }),
  );
  await writeFile(join(data, 'config.json'), JSON.stringify({ data_dir: '.' }));
  const { emulator } = await quickEmulator(t);
  const d = await startTestDaemon(t, {
    dataDir: data,
    emulator,
    config: daemonTestConfig({ http: { listen: '127.0.0.1:0' } }),
  });
  const held = await waitFor('a heartbeat with the pause', async () => {
    const b = await readHeartbeat(d.paths.state);
    return b?.submit_pause ?? undefined;
  });
  assert.deepEqual(held, { until, reason: WHY });
  const health = await runCli(['health'], { cwd: data });
  assert.equal(health.code, 0, health.stdout);
  assert.match(
    health.stdout,
    new RegExp(`submission paused until ${new Date(until).toISOString()} \\(the API limits`),
  );
  const screen = await runCli(['status'], { cwd: data });
  assert.equal(
    screen.stdout.split('submission paused until').length - 1,
    1,
    `status names the pause once (its own line, not again in the daemon's):\n${screen.stdout}`,
  );
  const metrics = await (await fetch(`${d.daemon.httpUrl}/metrics`)).text();
  assert.match(
    metrics,
    new RegExp(`^slicebatch_submit_paused_until_seconds ${Math.ceil(until / 1000)}$`, 'm'),
    'the metrics say until when',
  );
  await d.stop();
});
