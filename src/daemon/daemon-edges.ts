/**
 * The daemon's edges: the API checked at start, the review page and health listener
 * (`http.listen`), and the bounded stop.
 */
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import { judgeHealth, type Heartbeat } from '../domain/heartbeat.ts';
import { errorMessage } from '../errors.ts';
import { stopWithin } from '../lifecycle/bounded-stop.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { startReviewListener } from '../review/review-listener.ts';
import { noteApiError, type DaemonStanding } from './daemon-steps.ts';
import type { Metrics } from './metrics.ts';
import type { WorkQueue } from './work-queue.ts';

/**
 * The key (or the built-in emulator, which takes none), checked at once with one listing call
 * rather than at the first batch; a refusal becomes a problem for a person. A listing, not a
 * call outside the pipeline (models, say): it needs the permission the daemon uses, no other.
 * Made before the first step that calls the API (access-check-first.ts).
 */
export async function checkApiAccess(
  api: BatchApi,
  o: {
    readonly emulator: boolean;
    readonly standing: DaemonStanding;
    readonly log: Logger;
    readonly signal?: AbortSignal | undefined;
  },
): Promise<void> {
  try {
    // A page of one: only whether the call is accepted matters, not what is listed.
    for await (const _ of api.listBatches({ signal: o.signal, pageSize: 1 })) break;
    o.log.info(o.emulator ? 'the built-in emulator answers' : 'the API accepted the key');
  } catch (err) {
    if (o.signal?.aborted === true) return;
    noteApiError(o.standing, err);
    const what = o.emulator ? 'reaching the built-in emulator' : 'checking the API key';
    o.log.error({ err }, `${what} failed: ${errorMessage(err)}`);
  }
}

/** The review page, /healthz and /metrics on `http.listen`; returns its URL and closer. */
export async function startDaemonListener(o: {
  readonly listen: string;
  readonly config: Config;
  readonly paths: DataPaths;
  readonly log: Logger;
  readonly now: () => number;
  readonly beat: () => Heartbeat | undefined;
  readonly metrics: Metrics;
  readonly work: WorkQueue;
}): Promise<{ url: string; close(): Promise<void> }> {
  const listener = await startReviewListener({
    listen: o.listen,
    config: o.config,
    paths: o.paths,
    log: o.log.child({ component: 'review' }),
    now: o.now,
    health: () => judgeHealth(o.beat(), o.now()),
    metrics: o.metrics,
    // The search index is built when the slices are first looked at, not at every start.
    eagerIndex: false,
    // A resend is carried out by the next poll step: ask for one now.
    onDecision: (d) => {
      if (d.t === 'resend') void o.work.request('poll');
    },
  });
  o.log.info(
    { url: listener.url },
    `review page at ${listener.url}/, health and metrics at /healthz and /metrics`,
  );
  if (!listener.loopback) {
    o.log.warn(
      { url: listener.url, listen: o.listen },
      `"http.listen" ${JSON.stringify(o.listen)} is not loopback: the review page, /healthz and /metrics are open (behind the token of http.token_file) to every network this machine is on; use 127.0.0.1:<port> unless that is meant`,
    );
  }
  return { url: listener.url, close: () => listener.close() };
}

/**
 * The stop: the closers (watcher, cron) run while the running step drains; at
 * `daemon.stop_timeout_ms` the signal is aborted; then the releasers. Idempotent.
 */
export function createDaemonStop(o: {
  readonly deadlineMs: number;
  readonly controller: AbortController;
  readonly work: WorkQueue;
  readonly closers: readonly (() => unknown)[];
  readonly log: Logger;
  /** Says the daemon is stopping (the heartbeat), before anything closes. */
  readonly announce: () => Promise<void>;
  readonly release: () => Promise<void>;
}): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      await o.announce();
      const deadline = o.deadlineMs;
      o.log.info(
        { deadlineMs: deadline },
        `stopping: intake closed, finishing the step in progress`,
      );
      const running = o.work.running;
      // The watcher closes while the step drains: closing waits for the files it is handing
      // over, which wait behind the running step (so closing first would wait for the step).
      const outcome = await stopWithin(
        { closers: o.closers, drain: () => o.work.drain() },
        { deadlineMs: deadline, controller: o.controller },
      );
      if (outcome !== 'drained') {
        o.log.warn(
          { step: running?.step, outcome },
          outcome === 'aborted'
            ? `the ${running?.step ?? 'current'} step did not end within ${deadline} ms; aborted it (the next start resumes it)`
            : `the ${running?.step ?? 'current'} step did not end within ${deadline} ms, nor once aborted; leaving it (the next start resumes it)`,
        );
      }
      await o.release();
      o.log.info('stopped');
    })());
}
