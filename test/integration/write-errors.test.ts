import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { parseConfig } from '../../src/config/load.ts';
import { inlineHelpers } from '../../src/convert/helper-thread-client.ts';
import { judgeHealth, writeTroubleOf, type Heartbeat } from '../../src/domain/heartbeat.ts';
import { createIntakeStep } from '../../src/daemon/intake-step.ts';
import { openIntakeLog } from '../../src/intake/intake-log.ts';
import { createLogger } from '../../src/log/logger.ts';
import { buildStatusReport } from '../../src/status/status-report.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { writeFaultOf, writeRetryDelayMs } from '../../src/storage/write-fault.ts';
import { tempDir } from '../support/temp-dir.ts';

const quiet = await createLogger({ level: 'silent', stream: { write() {} } });

/**
 * Makes the disk under `dir` answer every write with ENOSPC while `full()` (the streams the
 * batch input files and rejects reports are written through), as a full filesystem does.
 */
function fullDisk(t: TestContext, dir: string, full: () => boolean): void {
  const real = fs.createWriteStream;
  const enospc = () =>
    Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      errno: -28,
      syscall: 'write',
    });
  fs.createWriteStream = (path: fs.PathLike, options?: Parameters<typeof real>[1]) => {
    const stream = real(path, options);
    if (full() && String(path).startsWith(dir)) {
      stream._write = (_chunk, _encoding, callback) => callback(enospc());
      stream._writev = (_chunks, callback) => callback(enospc());
    }
    return stream;
  };
  syncBuiltinESMExports();
  t.after(() => {
    fs.createWriteStream = real;
    syncBuiltinESMExports();
  });
}

test('a full disk: the file waits, no temporary file is left, writes are retried with backoff', async (t) => {
  const data = await tempDir(t);
  const paths = dataPaths(data, '.');
  let full = true;
  fullDisk(t, paths.batchInput, () => full);
  const rel = 'r/s.jsonl';
  const path = join(paths.reviewed, rel);
  await mkdir(join(paths.reviewed, 'r'), { recursive: true });
  await writeFile(
    path,
    jsonl(Array.from({ length: 20 }, (_, i) => functionSlice({ id: `s${i}` }))) + '{bad\n',
  );
  const s = await stat(path);
  const file = {
    rel,
    relDir: 'r',
    path,
    size: s.size,
    mtimeMs: s.mtimeMs,
    ctimeMs: s.ctimeMs,
    ino: s.ino,
  };
  let clock = Date.now();
  const intakeLog = await openIntakeLog(paths.state);
  t.after(() => intakeLog.close());
  const inline = inlineHelpers();
  const step = createIntakeStep({
    paths,
    config: parseConfig({}, 'test'),
    helpers: () => inline,
    intakeLog,
    log: quiet,
    now: () => clock,
  });
  step.offer([file]);
  const first = await step.run();
  assert.equal(first.slices, 0);
  assert.equal(step.unreadable.size, 0, 'not an unreadable input');
  assert.equal(step.pending, 1, 'the file waits');
  const trouble = step.writeTrouble;
  assert.equal(trouble?.code, 'ENOSPC');
  assert.ok(trouble.retryAt > clock);
  const left = (await readdir(paths.batchInput, { recursive: true })).map(String);
  assert.deepEqual(
    left.filter((n) => /\.tmp$|manifest|rejects/.test(n)),
    [],
    'nothing left behind',
  );

  // Before the backoff is over: not tried again.
  clock = trouble.retryAt - 1;
  assert.equal((await step.run()).slices, 0);
  assert.equal(step.writeTrouble?.failures, 1);
  // Still full at the retry: the next wait is longer.
  clock = trouble.retryAt;
  await step.run();
  const again = step.writeTrouble;
  assert.ok(again !== undefined);
  assert.equal(again.failures, 2);
  assert.equal(again.since, trouble.since);
  assert.ok(again.retryAt - clock > trouble.retryAt - trouble.since, 'backoff grows');

  // Health and status say so while it lasts.
  const beat: Heartbeat = {
    pid: 1,
    host: 'h',
    version: 'v',
    phase: 'running',
    emulator: false,
    started_at: new Date(clock).toISOString(),
    beat_at: clock,
    heartbeat_ms: 10_000,
    running: null,
    last_poll: null,
    next_poll_at: null,
    queue_depth: 0,
    inbox_waiting: step.pending,
    problems: [],
    write_trouble: writeTroubleOf(step.writeTrouble),
  };
  const health = judgeHealth(beat, clock);
  assert.equal(health.ok, false);
  assert.match(health.ok ? '' : health.reason, /writing to the data folder fails .*ENOSPC/);
  const report = buildStatusReport(
    {
      dataDir: data,
      inbox: [],
      batchInputs: [],
      jobs: [],
      rejected: new Map(),
      fates: new Map(),
      heartbeat: beat,
    },
    clock,
  );
  assert.equal(report.daemon.state, 'unhealthy');
  assert.ok(report.attention.some((a) => /ENOSPC/.test(a.message)));

  // Space again: everything goes through at the next retry, once.
  full = false;
  clock = again.retryAt;
  const done = await step.run();
  assert.equal(done.slices, 20);
  assert.equal(done.rejected, 1);
  assert.equal(step.writeTrouble, undefined);
  assert.equal(step.pending, 0);
  assert.equal(judgeHealth({ ...beat, write_trouble: writeTroubleOf(undefined) }, clock).ok, true);
});

test('write faults are told from unreadable inputs', () => {
  const err = (code: string, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(code), { code, ...extra });
  assert.equal(writeFaultOf(err('ENOSPC'))?.code, 'ENOSPC');
  assert.equal(writeFaultOf(err('EDQUOT'))?.code, 'EDQUOT');
  assert.equal(writeFaultOf(err('EIO', { syscall: 'write' }))?.code, 'EIO');
  // EIO reading the input is the input's problem; so are a missing or forbidden input.
  assert.equal(
    writeFaultOf(err('EIO', { syscall: 'read', path: '/in/a.jsonl' }), new Set(['/in/a.jsonl'])),
    undefined,
  );
  assert.equal(writeFaultOf(err('ENOENT', { path: '/in/a.jsonl' })), undefined);
  assert.equal(writeFaultOf(err('EACCES', { path: '/in/a.jsonl' })), undefined);
  assert.equal(writeFaultOf(new Error('plain')), undefined);
  assert.deepEqual(
    [1, 2, 3, 10].map((n) => writeRetryDelayMs(n)),
    [5_000, 10_000, 20_000, 300_000],
  );
});
