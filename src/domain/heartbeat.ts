/**
 * The heartbeat: `.slicebatch/heartbeat.json`, rewritten every `daemon.heartbeat_ms` while the
 * daemon runs. It says that the process is alive (the write itself) and that its loop makes
 * progress (which step runs and since when, when the last poll tick ended and when the next one
 * is due, what needs a person). `slicebatch health`, the Docker HEALTHCHECK and `/healthz` judge
 * it with `judgeHealth` (pure).
 */
import { holdingPause, pauseWords } from './submit-pause.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../storage/atomic-file.ts';

export const HEARTBEAT_FILE = 'heartbeat.json';

export interface Heartbeat {
  readonly pid: number;
  readonly host: string;
  readonly version: string;
  readonly phase: 'starting' | 'running' | 'stopping' | 'stopped';
  readonly emulator: boolean;
  readonly started_at: string;
  /** This write (epoch ms). */
  readonly beat_at: number;
  readonly heartbeat_ms: number;
  /** A step running longer than this is stuck (daemon.stuck_after_ms). */
  readonly stuck_after_ms?: number;
  /** The step running now. */
  readonly running: { readonly step: string; readonly since: number } | null;
  readonly last_poll: {
    readonly ended_at: number;
    readonly ok: boolean;
    readonly duration_ms: number;
    /** Poll ticks in a row that failed, this one included (0 after a good one). */
    readonly failures?: number;
  } | null;
  /** When the cron schedule fires the next poll tick. */
  readonly next_poll_at: number | null;
  /** Steps waiting behind the running one. */
  readonly queue_depth: number;
  /** Inbox files seen and not complete yet, and complete ones waiting to be taken. */
  readonly inbox_waiting: number;
  /** What needs a person (a refused key, the cost cap reached, ...). */
  readonly problems: readonly string[];
  /**
   * The submission pause the API asked for (a long 429: the batch creations an hour): no file
   * is submitted before `until` (epoch ms). Not a problem for a person: it ends by itself.
   */
  readonly submit_pause?: { readonly until: number; readonly reason: string } | null;
  /** Writes failing (disk full, I/O errors) and retried: the daemon is not healthy. */
  readonly write_trouble?: {
    readonly code: string;
    readonly message: string;
    readonly since: number;
    readonly failures: number;
    readonly retry_at: number;
  } | null;
}

/** The heartbeat's account of failing writes (intake-step.ts's WriteTrouble). */
export function writeTroubleOf(
  t:
    { code: string; message: string; since: number; failures: number; retryAt: number } | undefined,
): NonNullable<Heartbeat['write_trouble']> | null {
  if (t === undefined) return null;
  return {
    code: t.code,
    message: t.message,
    since: t.since,
    failures: t.failures,
    retry_at: t.retryAt,
  };
}

export function heartbeatPath(stateDir: string): string {
  return join(stateDir, HEARTBEAT_FILE);
}

export function writeHeartbeat(stateDir: string, beat: Heartbeat): Promise<void> {
  return writeJsonAtomic(heartbeatPath(stateDir), beat);
}

export async function readHeartbeat(stateDir: string): Promise<Heartbeat | undefined> {
  try {
    return JSON.parse(await readFile(heartbeatPath(stateDir), 'utf8')) as Heartbeat;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

export type Health =
  { readonly ok: true; readonly summary: string } | { readonly ok: false; readonly reason: string };

/** A step may run this long before the loop counts as stuck, unless the heartbeat says. */
export const STEP_STUCK_MS = 30 * 60 * 1000;
/** A poll tick may be this late before the loop counts as stuck. */
export const POLL_LATE_MS = 5 * 60 * 1000;

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** Alive and progressing, or why not. */
export function judgeHealth(beat: Heartbeat | undefined, now: number): Health {
  if (beat === undefined) return { ok: false, reason: 'no heartbeat: the daemon has not started' };
  if (beat.phase === 'stopped') return { ok: false, reason: 'the daemon has stopped' };
  const silent = now - beat.beat_at;
  if (silent > 3 * beat.heartbeat_ms + 1000) {
    return {
      ok: false,
      reason: `no heartbeat for ${seconds(silent)} (expected every ${seconds(beat.heartbeat_ms)}): the daemon is not running or its event loop is blocked`,
    };
  }
  if (beat.phase === 'stopping') return { ok: false, reason: 'the daemon is stopping' };
  const stuckAfter = beat.stuck_after_ms ?? STEP_STUCK_MS;
  if (beat.running !== null && now - beat.running.since > stuckAfter) {
    return {
      ok: false,
      reason: `the ${beat.running.step} step has been running for ${seconds(now - beat.running.since)}: stuck`,
    };
  }
  if (beat.next_poll_at !== null && now - beat.next_poll_at > POLL_LATE_MS) {
    return {
      ok: false,
      reason: `the poll tick due at ${new Date(beat.next_poll_at).toISOString()} has not run: the loop is stuck`,
    };
  }
  const w = beat.write_trouble;
  if (w !== undefined && w !== null) {
    return {
      ok: false,
      reason: `writing to the data folder fails since ${new Date(w.since).toISOString()} (${w.message}; ${w.failures} attempts): free space or fix the disk; tried again at ${new Date(w.retry_at).toISOString()}`,
    };
  }
  const problems = beat.problems.length > 0 ? `; needs a person: ${beat.problems.join('; ')}` : '';
  const p = holdingPause(beat.submit_pause, now);
  const paused =
    p === undefined ? '' : `; ${pauseWords(new Date(p.until).toISOString(), p.reason)}`;
  // The API failing is not the daemon's fault: alive, and said so (it polls again).
  const poll = beat.last_poll;
  const pollFailed =
    poll !== null && !poll.ok ? `; the last poll failed (${poll.failures ?? 1} in a row)` : '';
  return {
    ok: true,
    summary: `alive (pid ${beat.pid}, ${beat.phase}${beat.running === null ? ', idle' : `, ${beat.running.step}`})${pollFailed}${paused}${problems}`,
  };
}
