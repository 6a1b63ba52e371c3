/**
 * The daemon's gauges (metrics.ts), each read from the state when scraped: the job files
 * (batches, request fates, enqueued tokens, spend), the submitter's limits, and the daemon's own
 * standing (its queue, its inbox, what needs a person, a submission pause). The sums over the
 * job files are pure.
 */
import { Gauge, type Registry } from 'prom-client';
import { holdsTokens } from '../domain/batch-status.ts';
import type { JobRecord } from '../jobs/job-record.ts';

export interface MetricsSources {
  readonly jobs: () => Iterable<JobRecord>;
  /** The enqueued-token limit per model (configured, else learned). */
  readonly limits: () => ReadonlyMap<string, number>;
  readonly queueDepth: () => number;
  readonly inboxWaiting: () => number;
  /** What needs a person, by reason (`auth`, `quota`, `submit`, ...). */
  readonly problems?: () => ReadonlyMap<string, string>;
  /** Until when (ms since the epoch) a kept submission pause holds; undefined without one. */
  readonly submitPausedUntil?: () => number | undefined;
}

/** Requests of finished batches by fate. */
export function requestFates(jobs: Iterable<JobRecord>): {
  usable: number;
  retry: number;
  final: number;
} {
  const n = { usable: 0, retry: 0, final: 0 };
  for (const job of jobs) {
    if (job.outcome === null) continue;
    n.usable += job.outcome.usable;
    n.retry += job.outcome.retry;
    n.final += job.outcome.final;
  }
  return n;
}

/** Spend at batch prices: reported by the API's usage, else estimated (failed batches cost nothing). */
export function spend(jobs: Iterable<JobRecord>): { reported: number; estimated: number } {
  let reported = 0;
  let estimated = 0;
  for (const job of jobs) {
    if (job.cost_usd !== null) reported += job.cost_usd;
    else if (job.status !== 'failed') estimated += job.estimated_cost_usd ?? 0;
  }
  return { reported, estimated };
}

/** The gauges over the job files and the submitter's limits. */
export function registerJobGauges(registry: Registry, sources: MetricsSources): void {
  new Gauge({
    name: 'slicebatch_batches',
    help: 'Batches by status and provider (job files)',
    labelNames: ['status', 'provider'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const job of sources.jobs())
        this.inc({ status: job.status, provider: job.provider ?? 'openai' });
    },
  });
  new Gauge({
    name: 'slicebatch_requests',
    help: 'Requests of finished batches by fate: usable, retry (sent again), final (no result)',
    labelNames: ['fate'] as const,
    registers: [registry],
    collect() {
      for (const [fate, v] of Object.entries(requestFates(sources.jobs()))) this.set({ fate }, v);
    },
  });
  new Gauge({
    name: 'slicebatch_enqueued_tokens',
    help: 'Prompt tokens of unfinished batches, per model (against slicebatch_enqueued_token_limit)',
    labelNames: ['model'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const job of sources.jobs()) {
        if (holdsTokens(job.status)) this.inc({ model: job.model ?? 'unknown' }, job.prompt_tokens);
      }
    },
  });
  new Gauge({
    name: 'slicebatch_enqueued_token_limit',
    help: 'The enqueued-token limit per model (configured, else learned from the API)',
    labelNames: ['model'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [model, limit] of sources.limits()) this.set({ model }, limit);
    },
  });
  new Gauge({
    name: 'slicebatch_cost_usd',
    help: 'Spend at batch prices: reported (from the usage the API reported), estimated (batches without usage yet)',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      const { reported, estimated } = spend(sources.jobs());
      this.set({ kind: 'reported' }, reported);
      this.set({ kind: 'estimated' }, estimated);
    },
  });
}

/** The gauges of the daemon's own standing: its step queue, its inbox, what needs a person. */
export function registerDaemonGauges(registry: Registry, sources: MetricsSources): void {
  new Gauge({
    name: 'slicebatch_queue_depth',
    help: 'Steps (intake, submit, poll) waiting behind the running one',
    registers: [registry],
    collect() {
      this.set(sources.queueDepth());
    },
  });
  new Gauge({
    name: 'slicebatch_inbox_waiting',
    help: 'Inbox files seen and not taken yet (incomplete, or waiting for the intake step)',
    registers: [registry],
    collect() {
      this.set(sources.inboxWaiting());
    },
  });
  new Gauge({
    name: 'slicebatch_needs_person',
    help: 'What stops the daemon until a person acts, by reason (auth: the key was refused; quota: 429 insufficient_quota; submit: the cost cap or a file over the token limit), 1 while it lasts',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of ['auth', 'quota']) this.set({ reason }, 0);
      for (const reason of sources.problems?.().keys() ?? []) this.set({ reason }, 1);
    },
  });
  new Gauge({
    name: 'slicebatch_submit_paused_until_seconds',
    help: 'Unix time until which submission waits because the API asked (a long 429: too many batch creations an hour), 0 without a pause; it ends by itself',
    registers: [registry],
    collect() {
      const until = sources.submitPausedUntil?.();
      this.set(until === undefined ? 0 : Math.ceil(until / 1000));
    },
  });
}
