/**
 * CPU time of each thread of a running process, by role, read from Linux's
 * /proc/<pid>/task/<tid>/stat (user + system time) while it runs: which thread of
 * `slicebatch process` bounds its wall time. A thread's last sampling interval before it ends
 * is not counted (at most `everyMs`). Elsewhere than Linux: no figures.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Seconds of CPU time, by thread role. */
export interface ThreadCpu {
  /** The main thread: reading, parsing, rendering, writing. */
  readonly conversion: number;
  /** The helper (worker) thread: counting tokens, hashing the output. */
  readonly helper: number;
  /** V8's background threads (garbage collection, compilation). */
  readonly v8: number;
  /** libuv's thread pool (file reads and writes, fsync). */
  readonly libuv: number;
  readonly other: number;
}

type Role = keyof ThreadCpu;

function roleOf(name: string): Role {
  if (name === 'MainThread' || name === 'node') return 'conversion';
  if (name.startsWith('WorkerThread')) return 'helper';
  if (name.startsWith('V8')) return 'v8';
  if (name.startsWith('libuv')) return 'libuv';
  return 'other';
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * Samples `pid`'s threads every `everyMs` until `stop`, which samples once more (if the process
 * is still there) and gives their CPU time by role.
 */
export function watchThreadCpu(pid: number, everyMs = 100): { stop(): ThreadCpu | undefined } {
  if (process.platform !== 'linux') return { stop: () => undefined };
  const ticks = new Map<string, { role: Role; ticks: number }>();
  const sample = (): void => {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      return; // ended
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        // After the name in parentheses: state is field 3, utime 14, stime 15.
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks.set(tid, { role: roleOf(name), ticks: Number(f[11]) + Number(f[12]) });
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const sum: Record<Role, number> = { conversion: 0, helper: 0, v8: 0, libuv: 0, other: 0 };
      for (const t of ticks.values()) sum[t.role] += t.ticks / clockTicks();
      return sum;
    },
  };
}
