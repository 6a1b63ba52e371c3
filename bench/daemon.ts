/**
 * Daemon benchmarks (the built CLI, `slicebatch run`, a child process, against an emulator in
 * this process, which timestamps each batch it creates):
 *
 *   - latency from a file's rename into the inbox to its batch being created (one file at a
 *     time, so that each measures the path, not a queue);
 *   - the idle daemon's CPU and RSS with the default settings (poll every 5 minutes);
 *   - start-up with 10,000 files in the inbox: until the daemon runs, and until every file is
 *     converted; then a restart with those files already taken;
 *   - with a real-code corpus given: the latency again with `dedup` on and a duplicate store
 *     holding that corpus's slices (made by `slicebatch process` first), and the daemon's
 *     resident memory after those files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEARTBEAT_FILE, type Heartbeat } from '../src/domain/heartbeat.ts';
import { startEmulator } from '../src/emulator/emulator.ts';
import { INTAKE_FILE } from '../src/intake/intake-log.ts';
import { createSliceGenerator } from '../test/support/slice-generator.ts';
import { cliNodeFlags } from './child.ts';
import { runProcess } from './convert.ts';
import type { Corpus } from './corpus.ts';

export interface DaemonBench {
  readonly drops: number;
  readonly latencyMedianMs: number;
  readonly latencyP95Ms: number;
  readonly idleSeconds: number;
  readonly idleCpuPercent: number;
  readonly idleRssMb: number;
  readonly startupFiles: number;
  readonly startupRunningMs: number;
  readonly startupAllTakenMs: number;
  readonly restartRunningMs: number;
  readonly startupPeakRssMb: number;
  /** With `dedup` and a store of a real-code corpus's slices (when one was given). */
  readonly dedup?: {
    readonly keptSlices: number;
    readonly latencyMedianMs: number;
    readonly latencyP95Ms: number;
    readonly rssMb: number;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 600_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The daemon as systemd and the container start it: the CLI with its shebang's Node flags. */
function startDaemon(
  cli: string,
  flags: readonly string[],
  root: string,
  config: string,
): ChildProcess {
  return spawn(
    process.execPath,
    [...flags, cli, 'run', '--config', config, '--data-dir', join(root, 'data')],
    {
      cwd: root,
      env: { ...process.env, OPENAI_API_KEY: 'sk-bench', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

async function stopDaemon(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function running(root: string, since: number): Promise<true | undefined> {
  const beat = JSON.parse(
    await readFile(join(root, 'data', '.slicebatch', HEARTBEAT_FILE), 'utf8'),
  ) as Heartbeat;
  return beat.phase === 'running' && beat.beat_at >= since ? true : undefined;
}

/** utime + stime of a process, in seconds, and its resident memory in MB (Linux). */
function procUsage(pid: number): { cpuSeconds: number; rssMb: number; hwmMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / 100, rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Renames `drops` one-slice files into `inbox`, one at a time: each until its batch is created. */
async function dropOneByOne(
  inbox: string,
  repository: string,
  drops: number,
  created: ReadonlyMap<string, number>,
): Promise<number[]> {
  const latencies: number[] = [];
  const gen = createSliceGenerator({ repository, classRatio: 0 });
  for (let i = 0; i < drops; i++) {
    const slice = gen.next();
    const name = `drop_${i}.jsonl`;
    await writeFile(join(inbox, `${name}.tmp`), `${JSON.stringify(slice)}\n`);
    const t0 = performance.now();
    await rename(join(inbox, `${name}.tmp`), join(inbox, name));
    const t1 = await until(`the batch of ${name}`, () =>
      Promise.resolve(created.get(`scenario1_${slice.id}`)),
    );
    latencies.push(t1 - t0);
  }
  return latencies;
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

export async function benchDaemon(
  root: string,
  options: {
    drops?: number;
    idleSeconds?: number;
    startupFiles?: number;
    /** Real code whose slices the duplicate store holds for the latency with `dedup`. */
    dedupStoreOf?: Corpus;
  } = {},
): Promise<DaemonBench> {
  const cli = join(root, 'dist', 'cli', 'main.js');
  const flags = await cliNodeFlags(cli);
  const drops = options.drops ?? 40;
  const idleSeconds = options.idleSeconds ?? 60;
  const startupFiles = options.startupFiles ?? 10_000;
  const created = new Map<string, number>();
  const emulator = await startEmulator({
    schedule: { validatingMs: 200, msPerRequest: 5, finalizingMs: 200 },
    tickMs: 100,
    onBatchCreated: ({ inputPath }) => {
      const first = readFileSync(inputPath, 'utf8').split('\n', 1)[0]!;
      const id = (JSON.parse(first) as { custom_id: string }).custom_id;
      created.set(id, performance.now());
    },
  });
  const work = await mkdtemp(join(tmpdir(), 'bench-daemon-'));
  try {
    // ---- Latency, rename → batch created ----
    const a = join(work, 'latency');
    const inbox = join(a, 'data', '2.reviewed_slices', 'repo_latency');
    await mkdir(inbox, { recursive: true });
    const config = join(a, 'config.json');
    await writeFile(
      config,
      // The call rate raised: the files come one after another, faster than the default 60
      // calls a minute allows (30 files), and this measures the path, not the rate limit.
      JSON.stringify({
        base_url: emulator.url,
        poll_schedule: '*/10 * * * * *',
        submit: { requests_per_minute: 6000 },
      }),
    );
    const daemon = startDaemon(cli, flags, a, config);
    let latencies: number[];
    try {
      await until('the daemon running', () => running(a, 0));
      latencies = await dropOneByOne(inbox, 'repo_latency', drops, created);
    } finally {
      await stopDaemon(daemon);
    }

    // ---- Idle, default settings ----
    const b = join(work, 'idle');
    await mkdir(join(b, 'data'), { recursive: true });
    const idleConfig = join(b, 'config.json');
    await writeFile(idleConfig, JSON.stringify({ base_url: emulator.url }));
    const idle = startDaemon(cli, flags, b, idleConfig);
    let idleCpuPercent: number;
    let idleRssMb: number;
    try {
      await until('the idle daemon running', () => running(b, 0));
      await sleep(5000);
      const u0 = procUsage(idle.pid!);
      await sleep(idleSeconds * 1000);
      const u1 = procUsage(idle.pid!);
      idleCpuPercent = ((u1.cpuSeconds - u0.cpuSeconds) / idleSeconds) * 100;
      idleRssMb = u1.rssMb;
    } finally {
      await stopDaemon(idle);
    }

    // ---- Start-up with 10,000 files in the inbox ----
    const c = join(work, 'startup');
    const many = join(c, 'data', '2.reviewed_slices', 'repo_many');
    await mkdir(many, { recursive: true });
    const gen = createSliceGenerator({ repository: 'repo_many' });
    for (let i = 0; i < startupFiles; i++) {
      await writeFile(
        join(many, `s_${String(i).padStart(5, '0')}.jsonl`),
        `${JSON.stringify(gen.next())}\n`,
      );
    }
    const startupConfig = join(c, 'config.json');
    await writeFile(startupConfig, JSON.stringify({ base_url: emulator.url }));
    const intake = join(c, 'data', '.slicebatch', INTAKE_FILE);
    const taken = async (): Promise<number> =>
      (await readFile(intake, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    let t0 = performance.now();
    const first = startDaemon(cli, flags, c, startupConfig);
    let startupRunningMs: number;
    let startupAllTakenMs: number;
    let startupPeakRssMb: number;
    try {
      await until('start-up', () => running(c, 0));
      startupRunningMs = performance.now() - t0;
      await until('every file taken', async () =>
        (await taken()) >= startupFiles ? true : undefined,
      );
      startupAllTakenMs = performance.now() - t0;
      startupPeakRssMb = procUsage(first.pid!).hwmMb;
    } finally {
      await stopDaemon(first);
    }
    t0 = performance.now();
    const restartSince = Date.now();
    const second = startDaemon(cli, flags, c, startupConfig);
    let restartRunningMs: number;
    try {
      await until('restart', () => running(c, restartSince));
      restartRunningMs = performance.now() - t0;
    } finally {
      await stopDaemon(second);
    }
    const dedup =
      options.dedupStoreOf === undefined
        ? undefined
        : await dedupLatency(root, work, flags, emulator.url, options.dedupStoreOf, drops, created);
    return {
      ...(dedup === undefined ? {} : { dedup }),
      drops,
      latencyMedianMs: percentile(latencies, 50),
      latencyP95Ms: percentile(latencies, 95),
      idleSeconds,
      idleCpuPercent,
      idleRssMb,
      startupFiles,
      startupRunningMs,
      startupAllTakenMs,
      restartRunningMs,
      startupPeakRssMb,
    };
  } finally {
    await emulator.close();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The latency with `dedup` on and a duplicate store holding `corpus`'s slices: `slicebatch
 * process` converts the corpus first (its batch input files are then removed, not to be sent),
 * then the daemon takes one-slice files one at a time; and its resident memory after them.
 */
async function dedupLatency(
  root: string,
  work: string,
  flags: readonly string[],
  baseUrl: string,
  corpus: Corpus,
  drops: number,
  created: ReadonlyMap<string, number>,
): Promise<NonNullable<DaemonBench['dedup']>> {
  const dir = join(work, 'dedup');
  const data = join(dir, 'data');
  const inbox = join(data, '2.reviewed_slices', 'repo_dedup');
  await mkdir(inbox, { recursive: true });
  const settings = {
    base_url: baseUrl,
    poll_schedule: '*/10 * * * * *',
    submit: { requests_per_minute: 6000 },
    dedup: { enabled: true },
  };
  const config = join(dir, 'config.json');
  await writeFile(config, JSON.stringify(settings));
  // `process` reads the config.json of its working folder.
  await writeFile(join(data, 'config.json'), JSON.stringify(settings));
  await runProcess(root, corpus, data);
  const keptSlices = await requestsIn(join(data, '3.batch_input'));
  await rm(join(data, '3.batch_input'), { recursive: true, force: true });
  const daemon = startDaemon(join(root, 'dist', 'cli', 'main.js'), flags, dir, config);
  try {
    await until('the daemon with dedup running', () => running(dir, 0));
    const latencies = await dropOneByOne(inbox, 'repo_dedup', drops, created);
    return {
      keptSlices,
      latencyMedianMs: percentile(latencies, 50),
      latencyP95Ms: percentile(latencies, 95),
      rssMb: procUsage(daemon.pid!).rssMb,
    };
  } finally {
    await stopDaemon(daemon);
  }
}

/** The requests of the batch input manifests under `dir`. */
async function requestsIn(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.manifest.json')) continue;
    const manifest = JSON.parse(await readFile(join(e.parentPath, e.name), 'utf8'));
    n += (manifest as { requests: number }).requests;
  }
  return n;
}
