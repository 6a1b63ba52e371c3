/**
 * Where the data stands, as `slicebatch status --json` prints it (a documented, stable shape:
 * fields are only ever added; `version` changes if one is removed or changes meaning). Built
 * from what the data folder holds (read-standing.ts) by a pure function.
 *
 * Per input file (reviewed-slice file): `slices` converted into requests, `rejected` lines,
 * `sent` (its requests in a submitted batch), `results` (a usable result), `failed` (a final
 * reason: a 4xx, unparseable after the last attempt, a failed validation), `pending` (sent, no
 * end yet), `unsent` (converted, not submitted yet).
 *
 * Its pieces: the shape and the facts (status-types.ts), the input files counted
 * (input-standings.ts), the batches (batch-standings.ts); the daemon's state is judged here.
 */
import { holdingPause } from '../domain/submit-pause.ts';
import type { Heartbeat } from '../domain/heartbeat.ts';
import { judgeHealth } from '../domain/heartbeat.ts';
import { batchStandings } from './batch-standings.ts';
import { inputStandings } from './input-standings.ts';
import { STATUS_VERSION, type StatusFacts, type StatusReport } from './status-types.ts';

export {
  STATUS_VERSION,
  type ActiveBatch,
  type FileState,
  type InputStanding,
  type StatusFacts,
  type StatusReport,
} from './status-types.ts';

function daemonState(beat: Heartbeat | undefined, now: number): StatusReport['daemon'] {
  // The pause has its own field (submit_pause, read from its file whether the daemon runs or not).
  const health = judgeHealth(beat === undefined ? beat : { ...beat, submit_pause: null }, now);
  const iso = (ms: number | null | undefined) =>
    ms === null || ms === undefined ? null : new Date(ms).toISOString();
  const base = {
    pid: beat?.pid ?? null,
    emulator: beat?.emulator ?? false,
    last_poll_at: iso(beat?.last_poll?.ended_at),
    next_poll_at: iso(beat?.next_poll_at),
  };
  if (beat === undefined) return { ...base, state: 'not_running', detail: 'never started here' };
  if (beat.phase === 'stopped') {
    return {
      ...base,
      state: 'stopped',
      detail: `stopped at ${new Date(beat.beat_at).toISOString()}`,
    };
  }
  if (health.ok) return { ...base, state: 'running', detail: health.summary };
  if (beat.phase === 'stopping') return { ...base, state: 'stopping', detail: health.reason };
  return {
    ...base,
    state: now - beat.beat_at > 3 * beat.heartbeat_ms + 1000 ? 'not_running' : 'unhealthy',
    detail: health.reason,
  };
}

export function buildStatusReport(facts: StatusFacts, now: number): StatusReport {
  const files = inputStandings(facts);
  const batches = batchStandings(facts.jobs, now);
  const attention = [...files.attention, ...batches.attention];
  for (const p of facts.inboxProblems ?? []) {
    attention.push({ kind: `inbox_${p.kind}`, message: `inbox folder ${p.message}` });
  }
  const daemon = daemonState(facts.heartbeat, now);
  for (const problem of facts.heartbeat?.phase === 'stopped'
    ? []
    : (facts.heartbeat?.problems ?? [])) {
    attention.push({ kind: 'daemon', message: problem });
  }
  if (daemon.state === 'unhealthy') attention.push({ kind: 'health', message: daemon.detail });
  const { usage } = batches;
  return {
    version: STATUS_VERSION,
    generated_at: new Date(now).toISOString(),
    data_dir: facts.dataDir,
    daemon,
    inputs: files.inputs,
    active_batches: batches.active,
    totals: { ...files.totals, batches: batches.byStatus },
    usage: {
      ...usage,
      total_cost_usd: usage.cost_usd + usage.estimated_cost_usd,
      unsubmitted_cost_usd: files.unsubmittedCost,
    },
    duplicates: {
      requests: facts.duplicates?.requests ?? 0,
      prompt_tokens: facts.duplicates?.promptTokens ?? 0,
      saved_usd: facts.duplicates?.savedUsd ?? 0,
    },
    submit_pause: submitPauseOf(facts, now),
    in_use_by:
      facts.lockHolder === undefined
        ? null
        : {
            command: facts.lockHolder.command,
            pid: facts.lockHolder.pid,
            host: facts.lockHolder.host,
            since: facts.lockHolder.started_at,
          },
    attention,
    notes: batches.notes,
  };
}

/**
 * The words for another slicebatch command holding the data folder (the screen and the review
 * page); undefined for none, and for the daemon's own lock (its state says it).
 */
export function inUseWords(inUse: StatusReport['in_use_by']): string | undefined {
  if (inUse === null || inUse.command === 'run') return undefined;
  const what =
    inUse.command === 'process' ? ': what it converts shows once its files are sealed' : '';
  return `in use by slicebatch ${inUse.command} (pid ${inUse.pid} on ${inUse.host}) since ${inUse.since}${what}`;
}

/** The kept pause while it holds at `now`. */
function submitPauseOf(facts: StatusFacts, now: number): StatusReport['submit_pause'] {
  const p = holdingPause(facts.submitPause, now);
  if (p === undefined) return null;
  return { until: new Date(p.until).toISOString(), reason: p.reason };
}
