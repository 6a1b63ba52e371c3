/**
 * The daemon's life: started as the systemd unit and the image start it, stopped by SIGTERM in
 * the middle of work (a clean drain, exit 0), restarted to finish exactly where it stopped;
 * one daemon per data folder; no key; `--once` and its exit status.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { HEARTBEAT_FILE, type Heartbeat } from '../../src/domain/heartbeat.ts';
import { logRecords } from '../support/capture.ts';
import { runCli } from '../support/cli.ts';
import { daemonTestConfig, quickEmulator, startTestDaemon, waitFor } from '../support/daemon.ts';
import { daemonUser, handTo, spawnDaemon } from '../support/daemon-process.ts';
import { hangingProxy } from '../support/hanging-proxy.ts';
import { fileURLToPath } from 'node:url';
import { checkInvariant } from '../support/pipeline.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

const THROW_ON_SIGUSR2 = fileURLToPath(new URL('../support/throw-on-sigusr2.ts', import.meta.url));

const FAST = {
  poll_schedule: '* * * * * *',
  submit: { retry_base_ms: 5, requeue_base_ms: 1, requeue_cap_ms: 5, requests_per_minute: 60_000 },
  daemon: {
    stop_timeout_ms: 20_000,
    heartbeat_ms: 200,
    compile_debounce_ms: 200,
    watch: { stable_ms: 300, rescan_ms: 1000 },
  },
};

/** Two repos, two files each, ten slices per file, one bad line per file. */
async function seedInbox(reviewed: string): Promise<number> {
  let slices = 0;
  for (const repo of ['repo_x', 'repo_y']) {
    const gen = createSliceGenerator({ repository: repo, seed: repo.length });
    await mkdir(join(reviewed, repo), { recursive: true });
    for (const name of ['a.jsonl', 'b.jsonl']) {
      const lines: unknown[] = Array.from({ length: 10 }, () => gen.next());
      lines.splice(4, 0, '{"id": 7}');
      await writeFile(join(reviewed, repo, name), jsonl(lines));
      slices += 10;
    }
  }
  return slices;
}

test('SIGTERM in the middle of work drains and exits 0; a restart finishes exactly once', async (t) => {
  // Batches that take a few seconds, so that the signal lands while they run.
  const { emulator, batchesPerInput } = await quickEmulator(t, {
    schedule: { msPerRequest: 150 },
  });
  const root = await tempDir(t);
  const user = daemonUser();
  if (user === undefined) t.diagnostic('running the daemon as the current user');
  else t.diagnostic(`running the daemon as uid ${user.uid} (as the unit's dedicated user)`);
  // The unit's shape: a config file, the key in a credentials folder, a state folder.
  const config = join(root, 'config.json');
  await writeFile(config, JSON.stringify({ ...FAST, base_url: emulator.url }));
  const credentials = join(root, 'credentials');
  await mkdir(credentials);
  await writeFile(join(credentials, 'openai_api_key'), 'sk-from-credential\n', { mode: 0o400 });
  const data = join(root, 'data');
  await mkdir(data);
  const slices = await seedInbox(join(data, '2.reviewed_slices'));
  await handTo(user, root, data, credentials, join(credentials, 'openai_api_key'));
  const start = (...extra: string[]) =>
    spawnDaemon({
      args: ['--config', config, '--data-dir', data, ...extra],
      env: { CREDENTIALS_DIRECTORY: credentials },
      cwd: root,
      user,
    });
  // The data folder's sub-folders are created by the daemon, as its user.

  const first = start();
  t.after(() => first.child.kill('SIGKILL'));
  await waitFor('a first batch on the emulator', () => batchesPerInput.size > 0 || undefined);
  first.child.kill('SIGTERM');
  const stopped = await first.exited;
  assert.deepEqual(stopped, { code: 0, signal: null }, first.output());
  assert.match(first.output(), /"msg":"stopped"/);
  assert.doesNotMatch(first.output(), /sk-from-credential/, 'the key is never logged');
  const beat = JSON.parse(
    await readFile(join(data, '.slicebatch', HEARTBEAT_FILE), 'utf8'),
  ) as Heartbeat;
  assert.equal(beat.phase, 'stopped');
  assert.ok(!(await readdir(join(data, '.slicebatch'))).includes('lock'), 'the lock is released');

  const second = start('--once');
  t.after(() => second.child.kill('SIGKILL'));
  const finished = await second.exited;
  assert.deepEqual(finished, { code: 0, signal: null }, second.output());
  const report = await checkInvariant(data);
  assert.equal(report.sent, slices, 'every valid slice sent');
  assert.equal(report.usable, slices, 'and has its result');
  for (const [sha, n] of batchesPerInput) assert.equal(n, 1, `input ${sha} submitted ${n} times`);
  const final = await readdir(join(data, '5.final_output'));
  assert.ok(
    final.some((f) => f.startsWith('train_dataset_')),
    final.join(', '),
  );
});

test('an error nobody caught: logged, exit 1 for the service manager; the restart resumes', async (t) => {
  const { emulator, batchesPerInput } = await quickEmulator(t, {
    schedule: { msPerRequest: 150 },
  });
  const root = await tempDir(t);
  const user = daemonUser();
  const config = join(root, 'config.json');
  await writeFile(config, JSON.stringify({ ...FAST, base_url: emulator.url }));
  const data = join(root, 'data');
  await mkdir(data);
  const slices = await seedInbox(join(data, '2.reviewed_slices'));
  await handTo(user, root, data);
  const start = (nodeArgs: string[], ...extra: string[]) =>
    spawnDaemon({
      args: ['--config', config, '--data-dir', data, ...extra],
      env: { OPENAI_API_KEY: 'sk-secret-for-crash' },
      cwd: root,
      user,
      nodeArgs,
    });
  const buggy = start(['--import', THROW_ON_SIGUSR2]);
  t.after(() => buggy.child.kill('SIGKILL'));
  await waitFor('a first batch on the emulator', () => batchesPerInput.size > 0 || undefined);
  buggy.child.kill('SIGUSR2');
  const crashed = await buggy.exited;
  assert.deepEqual(crashed, { code: 1, signal: null }, buggy.output());
  const fatal = logRecords(buggy.output()).find((l) => l.level === 60);
  assert.ok(fatal !== undefined, buggy.output());
  assert.match(fatal.msg, /uncaught error, exiting: injected fault: a bug nobody caught/);
  assert.doesNotMatch(buggy.output(), /sk-secret-for-crash/, 'the key is never logged');
  // It died holding the lock: the next start takes it over and finishes the work exactly once.
  assert.ok((await readdir(join(data, '.slicebatch'))).includes('lock'));
  const restarted = start([], '--once');
  t.after(() => restarted.child.kill('SIGKILL'));
  assert.deepEqual(await restarted.exited, { code: 0, signal: null }, restarted.output());
  const report = await checkInvariant(data);
  assert.equal(report.usable, slices, 'every valid slice has its result');
  for (const [sha, n] of batchesPerInput) assert.equal(n, 1, `input ${sha} submitted ${n} times`);
});

test('a second daemon on the same data folder stops with a clear message', async (t) => {
  const { emulator } = await quickEmulator(t);
  const dir = await tempDir(t);
  await startTestDaemon(t, { dataDir: dir, emulator });
  const r = await runCli(['run', '--data-dir', '.'], {
    cwd: dir,
    env: { OPENAI_API_KEY: 'sk-second', OPENAI_BASE_URL: emulator.url },
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /in use by another slicebatch \(run, pid \d+/);
});

test('no key and no --emulator: exit 2, saying how to get either', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['run', '--data-dir', dir], { cwd: dir, env: {} });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /OPENAI_API_KEY/);
  assert.match(r.stderr, /slicebatch run --emulator/);
});

test('--once --emulator: everything to a dataset, exit 0; a cost cap that stops it: exit 1', async (t) => {
  const dir = await tempDir(t);
  const slices = await seedInbox(join(dir, 'data', '2.reviewed_slices'));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...FAST, poll_schedule: undefined }));
  const ok = await runCli(['run', '--emulator', '--once'], { cwd: dir, env: {} });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /nothing leaves this machine/i);
  assert.doesNotMatch(ok.stderr, /accepted the key/, 'no key was used');
  assert.match(ok.stderr, /the built-in emulator answers/);
  assert.match(ok.stdout, /every slice has a result or a final reason/);
  const report = await checkInvariant(join(dir, 'data'));
  assert.equal(report.usable, slices);

  const capped = await tempDir(t);
  await seedInbox(join(capped, 'data', '2.reviewed_slices'));
  await writeFile(
    join(capped, 'config.json'),
    JSON.stringify({ ...FAST, poll_schedule: undefined, limits: { max_cost_usd: 0.0000001 } }),
  );
  const stopped = await runCli(['run', '--emulator', '--once'], { cwd: capped, env: {} });
  assert.equal(stopped.code, 1, stopped.stderr);
  assert.match(stopped.stderr, /not submitted, limits\.max_cost_usd would be passed/);
});

test('a second SIGTERM while the drain waits for a stuck step forces the exit (130)', async (t) => {
  // An API that accepts connections and never answers: the first step that calls it (the poll,
  // whose access check comes first) hangs.
  const sockets = new Set<Socket>();
  const blackhole = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    blackhole.close();
  });
  const port = (blackhole.address() as AddressInfo).port;
  const root = await tempDir(t);
  const data = join(root, 'data');
  await seedInbox(join(data, '2.reviewed_slices'));
  await writeFile(
    join(root, 'config.json'),
    JSON.stringify({ ...FAST, base_url: `http://127.0.0.1:${port}/v1` }),
  );
  const d = spawnDaemon({
    args: ['--config', join(root, 'config.json'), '--data-dir', data],
    env: { OPENAI_API_KEY: 'sk-blackhole' },
    cwd: root,
  });
  t.after(() => d.child.kill('SIGKILL'));
  await waitFor('the poll step under way', async () => {
    const beat = JSON.parse(
      await readFile(join(data, '.slicebatch', HEARTBEAT_FILE), 'utf8'),
    ) as Heartbeat;
    return beat.running?.step === 'poll' || undefined;
  });
  d.child.kill('SIGTERM');
  await waitFor('the drain begun', () => /stopping: intake closed/.test(d.output()) || undefined);
  d.child.kill('SIGTERM');
  assert.deepEqual(await d.exited, { code: 130, signal: null }, d.output());
  assert.match(d.output(), /second SIGTERM, stopping now/);
});

test('a step hung on an API call: SIGTERM aborts it at stop_timeout_ms, exit 0; a restart finishes exactly once', async (t) => {
  const { emulator, batchesPerInput } = await quickEmulator(t, {
    schedule: { msPerRequest: 150 },
  });
  const proxy = await hangingProxy(t, emulator.url);
  const root = await tempDir(t);
  const data = join(root, 'data');
  const slices = await seedInbox(join(data, '2.reviewed_slices'));
  const stopTimeoutMs = 2000;
  const config = join(root, 'config.json');
  const writeConfig = (baseUrl: string) =>
    writeFile(
      config,
      JSON.stringify({
        ...FAST,
        base_url: baseUrl,
        daemon: { ...FAST.daemon, stop_timeout_ms: stopTimeoutMs },
      }),
    );
  await writeConfig(proxy.url);
  const start = (...extra: string[]) =>
    spawnDaemon({
      args: ['--config', config, '--data-dir', data, ...extra],
      env: { OPENAI_API_KEY: 'sk-hung-list' },
      cwd: root,
    });
  const first = start();
  t.after(() => first.child.kill('SIGKILL'));
  await waitFor('a first batch on the emulator', () => batchesPerInput.size > 0 || undefined);
  // From now on the batch listing and retrieval never answer: the next poll step hangs on it.
  proxy.hang = (method, path) => method === 'GET' && path.startsWith('/v1/batches');
  await waitFor('the poll step hung on the API', async () => {
    const beat = JSON.parse(
      await readFile(join(data, '.slicebatch', HEARTBEAT_FILE), 'utf8'),
    ) as Heartbeat;
    return (proxy.held > 0 && beat.running?.step === 'poll') || undefined;
  });
  first.child.kill('SIGTERM');
  let bound: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    first.exited,
    new Promise<'still running'>(
      (r) => (bound = setTimeout(r, stopTimeoutMs + 1000, 'still running')),
    ),
  ]);
  clearTimeout(bound);
  assert.deepEqual(ended, { code: 0, signal: null }, first.output());
  assert.match(first.output(), /the poll step was aborted at the stop deadline/);
  assert.ok(proxy.abandoned > 0, 'the hung API call was aborted, not left open');

  await writeConfig(emulator.url);
  const second = start('--once');
  t.after(() => second.child.kill('SIGKILL'));
  assert.deepEqual(await second.exited, { code: 0, signal: null }, second.output());
  const report = await checkInvariant(data);
  assert.equal(report.usable, slices, 'every valid slice has its result');
  for (const [sha, n] of batchesPerInput) assert.equal(n, 1, `input ${sha} submitted ${n} times`);
});

test('a file handed in while a step hangs does not hold the stop: the watcher closes while the step drains', async (t) => {
  const { emulator } = await quickEmulator(t);
  const dir = await tempDir(t);
  // Every upload hangs until its call is aborted: the submit step hangs on the first one.
  let uploads = 0;
  const hung = (signal: AbortSignal | undefined): Promise<never> => {
    uploads++;
    return new Promise((_, reject) =>
      signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
    );
  };
  const d = await startTestDaemon(t, {
    dataDir: dir,
    emulator,
    config: daemonTestConfig({ daemon: { stop_timeout_ms: 1000 } }),
    api: (api) => ({
      ...api,
      uploadFile: (_path, _name, _expiresAfterS, options) => hung(options?.signal),
    }),
  });
  await seedInbox(d.paths.reviewed);
  // Hung in the upload itself, not merely started: a stop before the first upload would let
  // the step end by itself (on a loaded machine the step can still be reading its files).
  await waitFor('the submit step hung on an upload', () =>
    d.daemon.heartbeat().running?.step === 'submit' && uploads > 0 ? true : undefined,
  );
  const gen = createSliceGenerator({ repository: 'repo_z', seed: 3 });
  await mkdir(join(d.paths.reviewed, 'repo_z'), { recursive: true });
  await writeFile(join(d.paths.reviewed, 'repo_z', 'late.jsonl'), jsonl([gen.next(), gen.next()]));
  // The watcher hands the file over and waits for the intake step, queued behind the submit.
  await waitFor(
    'the intake step queued behind the hung submit',
    () => d.daemon.heartbeat().queue_depth > 0 || undefined,
  );
  await d.stop();
  const lines = logRecords(d.log.text);
  assert.ok(
    lines.some((l) => /the submit step was aborted at the stop deadline/.test(l.msg)),
    d.log.text,
  );
  assert.ok(lines.some((l) => l.msg === 'stopped'));
});
