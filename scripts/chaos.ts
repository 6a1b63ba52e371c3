/**
 * The chaos run (`npm run chaos -- --trials N [--seed S]`; a short one in the tests): the daemon
 * as a child process against an emulator that misbehaves (429s, 5xx, dropped connections, lost
 * answers to uploads and batch creations, cut downloads, expired batches, failed and unparseable
 * requests), killed with SIGKILL at random moments while files keep arriving (renamed in,
 * written in place, appended to), restarted, again and again. At the end a `run --once` must
 * finish with exit 0, and:
 *
 *   - every valid slice of every input file was sent, and has exactly one usable result or a
 *     recorded final reason, and is in the dataset when usable;
 *   - no batch input file was submitted twice (counted by the emulator);
 *   - every bad line is in the rejects report of its file, with its line number.
 *
 * The emulator's clock runs apart from ours (`--clock-offset`, default 2 h behind) and its
 * lists lag (`--list-lag`, default 1 s), as the real API's may.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCustomId } from '../src/domain/custom-id.ts';
import { startEmulator } from '../src/emulator/emulator.ts';
import { FaultProfileSchema } from '../src/emulator/faults.ts';
import { spawnDaemon } from '../test/support/daemon-process.ts';
import { checkInvariant } from '../test/support/pipeline.ts';
import { createSliceGenerator, prng } from '../test/support/slice-generator.ts';

export interface ChaosOptions {
  readonly trials: number;
  readonly seed?: number;
  /** Longest time a daemon runs before it is killed. */
  readonly maxLifeMs?: number;
  /** Seconds the emulator's clock is ahead of ours (negative: behind). */
  readonly clockOffsetS?: number;
  /** Seconds before a new batch or file shows in the emulator's lists. */
  readonly listLagS?: number;
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly kills: number;
  readonly files: number;
  readonly appends: number;
  readonly slices: number;
  readonly badLines: number;
  readonly batches: number;
  readonly usable: number;
  readonly final: number;
  readonly retries: number;
  readonly datasetRecords: number;
  readonly durationMs: number;
}

export const CHAOS_FAULTS = {
  http: [
    { kind: 'status', status: 429, retry_after_s: 0, rate: 0.03 },
    { kind: 'status', status: 500, rate: 0.03 },
    { kind: 'drop', rate: 0.02 },
    { route: 'POST /v1/batches', kind: 'lose_answer', rate: 0.2 },
    { route: 'POST /v1/files', kind: 'lose_answer', rate: 0.1 },
    { route: 'GET /v1/files/*/content', kind: 'cut_body', rate: 0.2 },
  ],
  batches: [{ kind: 'expire', after_fraction: 0.5, rate: 0.15 }],
  requests: [
    { kind: 'error_object', code: 'server_error', rate: 0.03 },
    { kind: 'invalid_json', rate: 0.03 },
    { kind: 'error_4xx', status: 400, rate: 0.01 },
  ],
};

const CONFIG = {
  poll_schedule: '* * * * * *',
  submit: {
    retry_base_ms: 5,
    requeue_base_ms: 1,
    requeue_cap_ms: 5,
    requests_per_minute: 60_000,
    // Longer than the emulator's list lag, as the default (2 min) is longer than real lags.
    reconcile_settle_ms: 3000,
  },
  daemon: {
    stop_timeout_ms: 5000,
    heartbeat_ms: 500,
    compile_debounce_ms: 500,
    watch: { stable_ms: 300, rescan_ms: 1000 },
  },
  retry: { max_attempts: 3 },
};

export const DEFAULT_CLOCK_OFFSET_S = -2 * 3600;
export const DEFAULT_LIST_LAG_S = 1;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const rnd = prng(options.seed ?? 7);
  const root = await mkdtemp(join(tmpdir(), 'slicebatch-chaos-'));
  const batchesPerInput = new Map<string, number>();
  const emulator = await startEmulator({
    schedule: { validatingMs: 100, msPerRequest: 5, finalizingMs: 100, cancellingMs: 100 },
    faults: FaultProfileSchema.parse({
      ...CHAOS_FAULTS,
      seed: options.seed ?? 7,
      clock_offset_s: options.clockOffsetS ?? DEFAULT_CLOCK_OFFSET_S,
      list_lag_s: options.listLagS ?? DEFAULT_LIST_LAG_S,
    }),
    tickMs: 50,
    onBatchCreated: ({ inputPath }) => {
      const sha = createHash('sha256').update(readFileSync(inputPath)).digest('hex');
      batchesPerInput.set(sha, (batchesPerInput.get(sha) ?? 0) + 1);
    },
  });
  try {
    const data = join(root, 'data');
    const reviewed = join(data, '2.reviewed_slices');
    const config = join(root, 'config.json');
    await writeFile(config, JSON.stringify({ ...CONFIG, base_url: emulator.url }));
    const start = (...extra: string[]) =>
      spawnDaemon({
        args: ['--config', config, '--data-dir', data, ...extra],
        env: { OPENAI_API_KEY: 'sk-chaos' },
        cwd: root,
      });

    // ---- The files, and what each should give ----
    const repos = ['repo_alpha', 'repo_beta', 'repo_gamma'];
    const generators = new Map(
      repos.map((r, i) => [r, createSliceGenerator({ repository: r, seed: 11 + i })]),
    );
    const valid = new Set<string>();
    const badLines: { file: string; line: number }[] = [];
    const lineCounts = new Map<string, number>();
    let files = 0;
    let appends = 0;
    const linesOf = (repo: string, rel: string): string[] => {
      const gen = generators.get(repo)!;
      const lines: string[] = [];
      const n = 3 + Math.floor(rnd() * 25);
      for (let i = 0; i < n; i++) {
        const s = gen.next();
        valid.add(`${repo}\u0000${s.type === 'class' ? 'scenario2' : 'scenario1'}_${s.id}`);
        lines.push(JSON.stringify(s));
      }
      const bad = Math.floor(rnd() * 3);
      const before = lineCounts.get(rel) ?? 0;
      for (let b = 0; b < bad; b++) {
        const at = Math.floor(rnd() * (lines.length + 1));
        lines.splice(at, 0, rnd() < 0.5 ? '{"id": "broken", "type": "function"' : '[1, 2, 3]');
      }
      lines.forEach((l, i) => {
        if (l.startsWith('{"id": "broken"') || l.startsWith('['))
          badLines.push({ file: rel, line: before + i + 1 });
      });
      lineCounts.set(rel, before + lines.length);
      return lines;
    };
    const produce = async (): Promise<void> => {
      const repo = repos[Math.floor(rnd() * repos.length)]!;
      const dir = join(reviewed, repo);
      await mkdir(dir, { recursive: true });
      const existing = [...lineCounts.keys()].filter((f) => f.startsWith(`${repo}/`));
      const how = rnd();
      if (existing.length > 0 && how < 0.2) {
        const rel = existing[Math.floor(rnd() * existing.length)]!;
        await appendFile(join(reviewed, rel), `${linesOf(repo, rel).join('\n')}\n`);
        appends++;
        return;
      }
      const rel = `${repo}/slices_${String(files).padStart(4, '0')}.jsonl`;
      files++;
      const text = `${linesOf(repo, rel).join('\n')}\n`;
      if (how < 0.6) {
        await writeFile(join(reviewed, `${rel}.tmp`), text);
        await rename(join(reviewed, `${rel}.tmp`), join(reviewed, rel));
      } else {
        // Written in place, in two parts.
        const cut = Math.floor(text.length / 2);
        await writeFile(join(reviewed, rel), text.slice(0, cut));
        await sleep(50);
        await appendFile(join(reviewed, rel), text.slice(cut));
      }
    };

    // ---- Kill, restart, repeat ----
    const maxLife = options.maxLifeMs ?? 2500;
    await produce();
    for (let trial = 1; trial <= options.trials; trial++) {
      const daemon = start();
      const life = 100 + Math.floor(rnd() * maxLife);
      const deadline = Date.now() + life;
      while (Date.now() < deadline) {
        if (rnd() < 0.5) await produce();
        await sleep(Math.max(0, Math.min(deadline - Date.now(), 50 + Math.floor(rnd() * 400))));
      }
      daemon.child.kill('SIGKILL');
      const { signal, code } = await daemon.exited;
      if (signal !== 'SIGKILL') {
        throw new Error(
          `trial ${trial}: the daemon ended by itself (${code}):\n${daemon.output()}`,
        );
      }
      log(
        `trial ${trial}/${options.trials}: killed after ${life} ms; ${files} files, ${appends} appends, ${batchesPerInput.size} batches so far`,
      );
    }

    // ---- The end: one run to completion, then the checks ----
    const last = start('--once');
    const timer = setTimeout(() => last.child.kill('SIGKILL'), 300_000);
    const end = await last.exited;
    clearTimeout(timer);
    assert.deepEqual(
      end,
      { code: 0, signal: null },
      `the final run --once:\n${last.output().slice(-4000)}`,
    );

    const report = await checkInvariant(data);
    const sent = new Set<string>();
    for (const f of await listInputs(join(data, '3.batch_input'))) {
      for (const line of (await readFile(f.path, 'utf8')).split('\n').filter(Boolean)) {
        const id = parseCustomId((JSON.parse(line) as { custom_id: string }).custom_id).base;
        sent.add(`${f.repo}\u0000${id}`);
      }
    }
    for (const v of valid)
      assert.ok(sent.has(v), `valid slice ${v.replace('\u0000', '/')} was never sent`);
    for (const s of sent)
      assert.ok(
        valid.has(s),
        `${s.replace('\u0000', '/')} was sent but is not a valid input slice`,
      );
    for (const [sha, n] of batchesPerInput)
      assert.equal(n, 1, `a batch input file (${sha.slice(0, 12)}) was submitted ${n} times`);

    const reported = new Set<string>();
    for (const f of await listReports(join(data, '3.batch_input'))) {
      for (const line of (await readFile(f, 'utf8')).split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as { file: string; line: number };
        reported.add(`${e.file}:${e.line}`);
      }
    }
    for (const b of badLines) {
      const key = `2.reviewed_slices/${b.file}:${b.line}`;
      assert.ok(reported.has(key), `bad line ${key} is not in its rejects report`);
    }

    const datasetRecords = await countDataset(join(data, '5.final_output'));
    assert.equal(datasetRecords, report.usable, 'the dataset holds every usable result once');
    return {
      kills: options.trials,
      files,
      appends,
      slices: valid.size,
      badLines: badLines.length,
      batches: [...batchesPerInput.values()].reduce((a, b) => a + b, 0),
      usable: report.usable,
      final: report.final.size,
      retries: report.retries,
      datasetRecords,
      durationMs: Date.now() - started,
    };
  } finally {
    await emulator.close();
    await rm(root, { recursive: true, force: true });
  }
}

async function listInputs(dir: string): Promise<{ repo: string; path: string }[]> {
  const out: { repo: string; path: string }[] = [];
  for (const repo of await readdir(dir).catch(() => [] as string[])) {
    for (const name of await readdir(join(dir, repo)).catch(() => [] as string[])) {
      if (/^scenario[12]_batch_input_.*\.jsonl$/.test(name))
        out.push({ repo, path: join(dir, repo, name) });
    }
  }
  return out;
}

async function listReports(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const repo of await readdir(dir).catch(() => [] as string[])) {
    for (const name of await readdir(join(dir, repo)).catch(() => [] as string[])) {
      if (name.endsWith('.rejects.jsonl') && !name.startsWith('.')) out.push(join(dir, repo, name));
    }
  }
  return out;
}

/** Records of the newest train and val files. */
async function countDataset(dir: string): Promise<number> {
  const names = await readdir(dir);
  const newest = (prefix: string): string | undefined =>
    names
      .filter((n) => n.startsWith(prefix) && n.endsWith('.jsonl'))
      .sort()
      .at(-1);
  let n = 0;
  for (const prefix of ['train_dataset_', 'val_dataset_']) {
    const name = newest(prefix);
    if (name === undefined) continue;
    n += (await readFile(join(dir, name), 'utf8')).split('\n').filter(Boolean).length;
  }
  return n;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      trials: { type: 'string', default: '50' },
      seed: { type: 'string', default: '7' },
      'clock-offset': { type: 'string', default: String(DEFAULT_CLOCK_OFFSET_S) },
      'list-lag': { type: 'string', default: String(DEFAULT_LIST_LAG_S) },
    },
  });
  const trials = Number(values.trials);
  const seed = Number(values.seed);
  const clockOffsetS = Number(values['clock-offset']);
  const listLagS = Number(values['list-lag']);
  if (!Number.isInteger(trials) || trials < 1)
    throw new Error(`--trials must be a whole number >= 1, got ${values.trials}`);
  if (!Number.isFinite(clockOffsetS))
    throw new Error(`--clock-offset must be a number of seconds, got ${values['clock-offset']}`);
  if (!Number.isFinite(listLagS) || listLagS < 0)
    throw new Error(`--list-lag must be a number of seconds >= 0, got ${values['list-lag']}`);
  console.log(
    `chaos: ${trials} SIGKILLs of the daemon against a faulty emulator (seed ${seed}; its clock ${clockOffsetS} s off ours, lists ${listLagS} s behind)`,
  );
  const report = await runChaos({
    trials,
    seed,
    clockOffsetS,
    listLagS,
    log: (l) => console.log(l),
  });
  console.log(`chaos: passed\n${JSON.stringify(report, null, 2)}`);
}
