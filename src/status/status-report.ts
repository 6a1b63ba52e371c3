/**
 * Where the data stands, as `slicebatch status --json` prints it (a documented, stable shape:
 * fields are only ever added; `version` changes if one is removed or changes meaning). Built
 * from what the data folder holds (read-standing.ts) by a pure function.
 *
 * Per input file (reviewed-slice file): `slices` converted into requests, `rejected` lines,
 * `sent` (its requests in a submitted batch), `results` (a usable result), `failed` (a final
 * reason: a 4xx, unparseable after the last attempt, a failed validation), `pending` (sent, no
 * end yet), `unsent` (converted, not submitted yet).
 */
import type { Heartbeat } from '../domain/heartbeat.ts';
import { judgeHealth } from '../domain/heartbeat.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { unknownAttentions } from '../jobs/unknown-batch.ts';
import { isTerminal } from '../domain/batch-status.ts';
import type { BatchInputFile } from '../domain/batch-input-manifest.ts';
import type { DuplicateSavings } from './duplicate-savings.ts';

export const STATUS_VERSION = 1;
/** A batch must end within this (its completion window). */
const WINDOW_MS = 24 * 3600 * 1000;

export interface InputStanding {
  readonly file: string;
  readonly repo: string;
  readonly slices: number;
  readonly rejected: number;
  readonly sent: number;
  readonly results: number;
  readonly failed: number;
  readonly pending: number;
  readonly unsent: number;
}

export interface ActiveBatch {
  readonly batch_id: string;
  /** Whose Batch API has it (openai, azure, openai_compatible, anthropic). */
  readonly provider: string;
  readonly file: string;
  readonly status: string;
  readonly total: number;
  readonly completed: number;
  readonly failed: number;
  readonly age_s: number;
  /** Seconds until its 24 h window ends (negative: past it). */
  readonly deadline_in_s: number;
}

export interface StatusReport {
  readonly version: typeof STATUS_VERSION;
  readonly generated_at: string;
  readonly data_dir: string;
  readonly daemon: {
    readonly state: 'running' | 'stopping' | 'stopped' | 'not_running' | 'unhealthy';
    readonly detail: string;
    readonly pid: number | null;
    readonly emulator: boolean;
    readonly last_poll_at: string | null;
    readonly next_poll_at: string | null;
  };
  readonly inputs: readonly InputStanding[];
  readonly active_batches: readonly ActiveBatch[];
  readonly totals: Omit<InputStanding, 'file' | 'repo'> & {
    readonly input_files: number;
    readonly batches: Readonly<Record<string, number>>;
  };
  readonly usage: {
    /** As the API reported them, for the batches that reported usage. */
    readonly input_tokens: number;
    readonly output_tokens: number;
    readonly cost_usd: number;
    /** Estimates (prompt tokens exact, output tokens assumed) for batches without usage yet. */
    readonly estimated_prompt_tokens: number;
    readonly estimated_cost_usd: number;
    readonly total_cost_usd: number;
    /** Batch input files not submitted yet, at the same estimate. */
    readonly unsubmitted_cost_usd: number;
  };
  /** Duplicates not sent (`dedup`), over every run: what they would have cost. */
  readonly duplicates: {
    readonly requests: number;
    readonly prompt_tokens: number;
    /** Prompt tokens and assumed output tokens at batch prices. */
    readonly saved_usd: number;
  };
  /** What needs a person. */
  readonly attention: readonly { readonly kind: string; readonly message: string }[];
}

/** Where a batch input file stands (from the submission plan, compile/input-file-standing.ts). */
export type FileState =
  | { readonly kind: 'finished' | 'in_batch'; readonly batchId: string }
  | { readonly kind: 'not_submitted'; readonly reason: string; readonly needsPerson: boolean };

export interface StatusFacts {
  readonly dataDir: string;
  /** Reviewed-slice files in the inbox (display names), with their repo folder. */
  readonly inbox: readonly { readonly file: string; readonly repo: string }[];
  /** What the inbox walk skipped: loops, links leading outside, folders it cannot read. */
  readonly inboxProblems?: readonly {
    readonly kind: string;
    readonly folder: string;
    readonly message: string;
  }[];
  readonly batchInputs: readonly {
    readonly file: BatchInputFile;
    readonly state: FileState;
    readonly estimatedCostUsd: number;
  }[];
  readonly jobs: readonly JobRecord[];
  /** Rejected lines per input file. */
  readonly rejected: ReadonlyMap<string, number>;
  /** Ledger fates per input file (each result counted once). */
  readonly fates: ReadonlyMap<string, { readonly usable: number; readonly final: number }>;
  readonly heartbeat: Heartbeat | undefined;
  /** From the duplicate store, when there is one. */
  readonly duplicates?: DuplicateSavings | undefined;
}

type Counts = { -readonly [K in keyof Omit<InputStanding, 'file' | 'repo'>]: number };
const zero = (): Counts => ({
  slices: 0,
  rejected: 0,
  sent: 0,
  results: 0,
  failed: 0,
  pending: 0,
  unsent: 0,
});
const UNKNOWN = '(source not recorded)';

function daemonState(beat: Heartbeat | undefined, now: number): StatusReport['daemon'] {
  const health = judgeHealth(beat, now);
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
  const per = new Map<string, Counts & { repo: string }>();
  const at = (file: string, repo: string) => {
    let c = per.get(file);
    if (c === undefined) per.set(file, (c = { ...zero(), repo }));
    return c;
  };
  for (const f of facts.inbox) at(f.file, f.repo);
  const attention: { kind: string; message: string }[] = [];
  let unsubmittedCost = 0;
  const seenContent = new Set<string>();
  for (const { file, state, estimatedCostUsd } of facts.batchInputs) {
    // A copy (same content) is submitted once, and counted once.
    if (seenContent.has(file.manifest.sha256)) continue;
    seenContent.add(file.manifest.sha256);
    const sent = state.kind !== 'not_submitted';
    if (!sent) unsubmittedCost += estimatedCostUsd;
    if (state.kind === 'not_submitted' && state.needsPerson) {
      attention.push({ kind: 'not_submitted', message: state.reason });
    }
    if (file.manifest.attempt !== 1) continue; // retries: the same slices again
    const runs = file.manifest.source_lines ?? [
      {
        source: file.manifest.sources.length === 1 ? file.manifest.sources[0]! : UNKNOWN,
        first_line: 1,
        lines: file.manifest.requests,
      },
    ];
    for (const run of runs) {
      const c = at(run.source, file.repo);
      c.slices += run.lines;
      if (sent) c.sent += run.lines;
    }
  }
  for (const [file, n] of facts.rejected) at(file, '').rejected += n;
  for (const [file, f] of facts.fates) {
    const c = at(file, '');
    c.results += f.usable;
    c.failed += f.final;
  }
  const totals = { ...zero(), input_files: 0, batches: {} as Record<string, number> };
  const inputs: InputStanding[] = [];
  for (const [file, c] of [...per].sort(([a], [b]) => (a < b ? -1 : 1))) {
    c.pending = Math.max(0, c.sent - c.results - c.failed);
    c.unsent = Math.max(0, c.slices - c.sent);
    const repo = c.repo || (/^[^/]+\/(.+)\/[^/]+$/.exec(file)?.[1] ?? '');
    const { repo: _r, ...counts } = c;
    inputs.push({ file, repo, ...counts });
    totals.input_files++;
    for (const k of Object.keys(zero()) as (keyof Counts)[]) totals[k] += c[k];
  }

  const active: ActiveBatch[] = [];
  const usage = {
    input_tokens: 0,
    output_tokens: 0,
    cost_usd: 0,
    estimated_prompt_tokens: 0,
    estimated_cost_usd: 0,
  };
  for (const job of facts.jobs) {
    totals.batches[job.status] = (totals.batches[job.status] ?? 0) + 1;
    if (job.usage !== null) {
      usage.input_tokens += job.usage.input_tokens;
      usage.output_tokens += job.usage.output_tokens;
      usage.cost_usd += job.cost_usd ?? 0;
    } else if (!isTerminal(job.status)) {
      usage.estimated_prompt_tokens += job.prompt_tokens;
      usage.estimated_cost_usd += job.estimated_cost_usd ?? 0;
    }
    const createdMs = job.timestamps.created_at * 1000;
    if (!isTerminal(job.status)) {
      const counts = job.request_counts ?? { total: job.requests, completed: 0, failed: 0 };
      const deadline =
        job.timestamps.expires_at !== null
          ? job.timestamps.expires_at * 1000
          : createdMs + WINDOW_MS;
      active.push({
        batch_id: job.batch_id,
        provider: job.provider ?? 'openai',
        file: job.batch_file,
        status: job.status,
        total: counts.total,
        completed: counts.completed,
        failed: counts.failed,
        age_s: Math.round((now - createdMs) / 1000),
        deadline_in_s: Math.round((deadline - now) / 1000),
      });
    } else if (
      job.status === 'failed' &&
      !job.errors?.some((e) => e.code === 'token_limit_exceeded')
    ) {
      const why = job.errors?.[0]?.message ?? 'no reason given';
      attention.push({
        kind: 'failed_validation',
        message: `batch ${job.batch_id} (${job.batch_file}) failed validation: ${why}`,
      });
    }
    if (job.done && job.result_notes != null && job.result_notes.length > 0) {
      attention.push({
        kind: 'result_mismatch',
        message: `results of ${job.batch_id} did not match its counts (taken as they are; requests without a line sent again): ${job.result_notes.slice(0, 3).join('; ')}`,
      });
    }
    attention.push(...unknownAttentions(job));
    if (!job.done && job.download_error !== null) {
      attention.push({
        kind: 'download',
        message: `results of ${job.batch_id} not downloaded yet: ${job.download_error}`,
      });
    }
  }
  active.sort((a, b) => a.deadline_in_s - b.deadline_in_s);
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
  return {
    version: STATUS_VERSION,
    generated_at: new Date(now).toISOString(),
    data_dir: facts.dataDir,
    daemon,
    inputs,
    active_batches: active,
    totals,
    usage: {
      ...usage,
      total_cost_usd: usage.cost_usd + usage.estimated_cost_usd,
      unsubmitted_cost_usd: unsubmittedCost,
    },
    duplicates: {
      requests: facts.duplicates?.requests ?? 0,
      prompt_tokens: facts.duplicates?.promptTokens ?? 0,
      saved_usd: facts.duplicates?.savedUsd ?? 0,
    },
    attention,
  };
}
