/**
 * The daemon's metrics, in the Prometheus text format (prom-client), for `GET /metrics`.
 * Counters count what happened since the process started; gauges are read from the state when
 * scraped (job files, the submitter's budget), so they are right after a restart too.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobRecord } from '../jobs/job-record.ts';
import { holdsTokens } from '../domain/batch-status.ts';

export interface MetricsSources {
  readonly jobs: () => Iterable<JobRecord>;
  /** The enqueued-token limit per model (configured, else learned). */
  readonly limits: () => ReadonlyMap<string, number>;
  readonly queueDepth: () => number;
  readonly inboxWaiting: () => number;
  /** What needs a person, by reason (`auth`, `quota`, `submit`, ...). */
  readonly problems?: () => ReadonlyMap<string, string>;
}

export function createMetrics(sources: MetricsSources) {
  const registry = new Registry();
  const files = new Counter({
    name: 'slicebatch_inbox_files_total',
    help: 'Inbox files taken (converted in full or their appended lines), since start',
    registers: [registry],
  });
  const slices = new Counter({
    name: 'slicebatch_slices_total',
    help: 'Slices converted into requests, lines rejected, slices skipped as sent already, since start',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const apiErrors = new Counter({
    name: 'slicebatch_api_errors_total',
    help: 'Failed API calls by kind (auth, rate_limited, transient, permanent, other), since start',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const stepFailures = new Counter({
    name: 'slicebatch_step_failures_total',
    help: 'Failed steps (intake, submit, poll; a poll tick whose refresh from the API failed counts), since start',
    labelNames: ['step'] as const,
    registers: [registry],
  });
  const submitted = new Counter({
    name: 'slicebatch_batches_submitted_total',
    help: 'Batches created, since start',
    registers: [registry],
  });
  const pollDuration = new Histogram({
    name: 'slicebatch_poll_duration_seconds',
    help: 'Duration of the poll tick (listing, downloads, fates, retries)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
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
      const n = { usable: 0, retry: 0, final: 0 };
      for (const job of sources.jobs()) {
        if (job.outcome === null) continue;
        n.usable += job.outcome.usable;
        n.retry += job.outcome.retry;
        n.final += job.outcome.final;
      }
      for (const [fate, v] of Object.entries(n)) this.set({ fate }, v);
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
      let reported = 0;
      let estimated = 0;
      for (const job of sources.jobs()) {
        if (job.cost_usd !== null) reported += job.cost_usd;
        else if (job.status !== 'failed') estimated += job.estimated_cost_usd ?? 0;
      }
      this.set({ kind: 'reported' }, reported);
      this.set({ kind: 'estimated' }, estimated);
    },
  });
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
  return { registry, files, slices, apiErrors, stepFailures, submitted, pollDuration };
}

export type Metrics = ReturnType<typeof createMetrics>;
