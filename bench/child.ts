/** Runs a benchmarked child process: wall time, peak RSS and CPU time. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchThreadCpu, type ThreadCpu } from './thread-cpu.ts';

export interface ChildRun {
  readonly seconds: number;
  readonly maxRssMb: number;
  readonly cpuSeconds: number;
  readonly stdout: string;
  /** With `threads`: CPU time by thread (Linux). */
  readonly threads?: ThreadCpu | undefined;
}

// JavaScript, so that the measured process does not load Node's TypeScript stripper.
const PRELOAD = new URL('./report-usage.js', import.meta.url).href;

/**
 * The Node flags of the built CLI's shebang (`#!/usr/bin/env -S node <flags>`), to run it in a
 * child as users run it.
 */
export async function cliNodeFlags(cli: string): Promise<string[]> {
  return shebangNodeFlags(await readFile(cli, 'utf8'));
}

/** The Node flags of the shebang that opens `source` (none without one). */
export function shebangNodeFlags(source: string): string[] {
  const shebang = source.split('\n', 1)[0]!;
  if (!shebang.startsWith('#!')) return [];
  return shebang
    .replace(/^#!.*?\bnode\b/, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
}

export async function runChild(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; threads?: boolean } = {},
): Promise<ChildRun> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-usage-'));
  const usageFile = join(dir, 'usage.json');
  const started = performance.now();
  let watch: ReturnType<typeof watchThreadCpu> | undefined;
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, BENCH_USAGE_FILE: usageFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (options.threads === true && child.pid !== undefined) watch = watchThreadCpu(child.pid);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}`)),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  const threads = watch?.stop();
  const usage = JSON.parse(await readFile(usageFile, 'utf8')) as {
    maxRssKb: number;
    userMs: number;
    systemMs: number;
  };
  await rm(dir, { recursive: true, force: true });
  return {
    seconds,
    maxRssMb: usage.maxRssKb / 1024,
    cpuSeconds: (usage.userMs + usage.systemMs) / 1000,
    stdout,
    threads,
  };
}
