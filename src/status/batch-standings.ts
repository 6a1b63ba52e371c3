/**
 * Where the batches stand, from their job records (pure): the active ones (progress, age, time
 * left in their window; the nearest deadline first), the batches per status, the usage (as the
 * API reported it, or estimated for the batches without usage yet), and what needs a person (a
 * failed validation, results that did not match their counts, a download that keeps failing).
 */
import { unknownAttentions } from '../jobs/unknown-batch.ts';
import { isTerminal } from '../domain/batch-status.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import type { ActiveBatch } from './status-types.ts';
import { unansweredNotes, unansweredWords } from './unanswered-notes.ts';

/** A batch must end within this (its completion window). */
const WINDOW_MS = 24 * 3600 * 1000;

export interface BatchCounts {
  readonly active: ActiveBatch[];
  readonly byStatus: Record<string, number>;
  readonly usage: {
    input_tokens: number;
    output_tokens: number;
    cost_usd: number;
    estimated_prompt_tokens: number;
    estimated_cost_usd: number;
  };
  readonly attention: { kind: string; message: string }[];
  /** What happened that needs no person (unanswered-notes.ts). */
  readonly notes: { kind: string; message: string }[];
}

export function batchStandings(jobs: readonly JobRecord[], now: number): BatchCounts {
  const out: BatchCounts = {
    active: [],
    byStatus: {},
    usage: {
      input_tokens: 0,
      output_tokens: 0,
      cost_usd: 0,
      estimated_prompt_tokens: 0,
      estimated_cost_usd: 0,
    },
    attention: [],
    notes: [],
  };
  for (const job of jobs) {
    out.byStatus[job.status] = (out.byStatus[job.status] ?? 0) + 1;
    addUsage(out.usage, job);
    if (!isTerminal(job.status)) out.active.push(activeBatch(job, now));
    out.attention.push(...jobAttention(job));
    out.notes.push(...unansweredNotes(job));
  }
  out.active.sort((a, b) => a.deadline_in_s - b.deadline_in_s);
  return out;
}

function addUsage(usage: BatchCounts['usage'], job: JobRecord): void {
  if (job.usage !== null) {
    usage.input_tokens += job.usage.input_tokens;
    usage.output_tokens += job.usage.output_tokens;
    usage.cost_usd += job.cost_usd ?? 0;
  } else if (!isTerminal(job.status)) {
    usage.estimated_prompt_tokens += job.prompt_tokens;
    usage.estimated_cost_usd += job.estimated_cost_usd ?? 0;
  }
}

function activeBatch(job: JobRecord, now: number): ActiveBatch {
  const createdMs = job.timestamps.created_at * 1000;
  const counts = job.request_counts ?? { total: job.requests, completed: 0, failed: 0 };
  const deadline =
    job.timestamps.expires_at !== null ? job.timestamps.expires_at * 1000 : createdMs + WINDOW_MS;
  return {
    batch_id: job.batch_id,
    provider: job.provider ?? 'openai',
    file: job.batch_file,
    status: job.status,
    total: counts.total,
    completed: counts.completed,
    failed: counts.failed,
    age_s: Math.round((now - createdMs) / 1000),
    deadline_in_s: Math.round((deadline - now) / 1000),
  };
}

/** What of one batch needs a person. */
function jobAttention(job: JobRecord): { kind: string; message: string }[] {
  const out: { kind: string; message: string }[] = [];
  if (job.status === 'failed' && !job.errors?.some((e) => e.code === 'token_limit_exceeded')) {
    const why = job.errors?.[0]?.message ?? 'no reason given';
    out.push({
      kind: 'failed_validation',
      message: `batch ${job.batch_id} (${job.batch_file}) failed validation: ${why}`,
    });
  }
  if (job.done && job.result_notes != null && job.result_notes.length > 0) {
    out.push({
      kind: 'result_mismatch',
      message: `results of ${job.batch_id} did not match its counts (taken as they are; requests without a line sent again): ${job.result_notes.slice(0, 3).join('; ')}${unansweredWords(job) === '' ? '' : `; besides, ${unansweredWords(job)}`}`,
    });
  }
  out.push(...unknownAttentions(job));
  if (!job.done && job.download_error !== null) {
    out.push({
      kind: 'download',
      message: `results of ${job.batch_id} not downloaded yet: ${job.download_error}`,
    });
  }
  return out;
}
