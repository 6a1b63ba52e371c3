/**
 * The daemon's metrics, in the Prometheus text format (prom-client), for `GET /metrics`.
 * Counters count what happened since the process started; gauges are read from the state when
 * scraped (job files, the submitter's budget), so they are right after a restart too
 * (metrics-gauges.ts).
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { registerDaemonGauges, registerJobGauges, type MetricsSources } from './metrics-gauges.ts';

export type { MetricsSources } from './metrics-gauges.ts';

/** The counters and the poll's histogram: what happened since the process started. */
function registerEventMetrics(registry: Registry) {
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
  return { files, slices, apiErrors, stepFailures, submitted, pollDuration };
}

export function createMetrics(sources: MetricsSources) {
  const registry = new Registry();
  // In this order in the scrape: the counters, the gauges over the job files, the daemon's own.
  const events = registerEventMetrics(registry);
  registerJobGauges(registry, sources);
  registerDaemonGauges(registry, sources);
  return { registry, ...events };
}

export type Metrics = ReturnType<typeof createMetrics>;
