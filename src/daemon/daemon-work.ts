/**
 * The daemon's work: its steps (intake, submit, poll: daemon-steps.ts) and the queue that runs
 * them (one at a time, but intake beside a poll tick) with the stop signal, and the inbox watcher that hands ready files to the
 * intake step.
 */
import { createInboxWatcher, type InboxWatcher } from '../intake/inbox-watcher.ts';
import type { Releasers } from '../lifecycle/releasers.ts';
import { applyResends } from '../review/resend.ts';
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import type { Logger } from '../log/logger.ts';
import type { DaemonServices } from './daemon-services.ts';
import { createDaemonSteps, noteApiError, type DaemonStanding } from './daemon-steps.ts';
import { accessCheckFirst } from './access-check-first.ts';
import type { DebouncedCompile } from './debounced-compile.ts';
import { createWorkQueue, type StepEvent, type WorkQueue } from './work-queue.ts';

/** What of the daemon's options its work reads (daemon.ts's DaemonOptions). */
export interface WorkOptions {
  readonly config: Config;
  readonly paths: DataPaths;
  readonly log: Logger;
  readonly once: boolean;
  /** The inbox watcher (tests inject one around the real watcher). */
  readonly watcher?: typeof createInboxWatcher | undefined;
}

/** The steps and the queue that runs them (work-queue.ts), with the stop signal. */
export function startWork(
  options: WorkOptions,
  services: DaemonServices,
  o: {
    readonly standing: DaemonStanding;
    readonly compilation: DebouncedCompile;
    readonly signal: AbortSignal;
    readonly releasers: Pick<Releasers, 'add'>;
    readonly now: () => number;
    readonly onEnded: () => void;
    /** The start-up access check, made before the first step that calls the API. */
    readonly accessCheck: (signal: AbortSignal) => Promise<void>;
  },
): WorkQueue {
  const { paths, log } = options;
  const { now } = o;
  // Writing failed (disk full, I/O errors): intake is asked again after a backoff.
  let writeRetry: NodeJS.Timeout | undefined;
  o.releasers.add(() => clearTimeout(writeRetry));
  const steps = createDaemonSteps({
    paths,
    submitter: services.submitter,
    poller: services.poller,
    intake: services.intake,
    metrics: services.metrics,
    standing: o.standing,
    now,
    request: (step) => void work.request(step),
    requestLater: (step, ms) => {
      clearTimeout(writeRetry);
      writeRetry = setTimeout(() => void work.request(step), ms);
    },
    compileSoon: () => o.compilation.soon(),
    // Resends asked by a reviewer (the review page, or `slicebatch ui`), to the queue.
    afterPoll: async () =>
      void (await applyResends({ paths, now, log, counterFor: services.counterFor })),
  });
  const onStep = (e: StepEvent): void => {
    if (e.endedAt !== undefined && e.error !== undefined) {
      noteApiError(o.standing, e.error);
      if (!o.signal.aborted) services.metrics.stepFailures.inc({ step: e.step });
    }
    if (e.endedAt !== undefined) o.onEnded();
  };
  const work = createWorkQueue({
    steps: accessCheckFirst(steps, o.accessCheck),
    signal: o.signal,
    now,
    log,
    onStep,
  });
  services.gauges.queueDepth = () => work.depth;
  return work;
}

/** The inbox watcher, handing ready files to the intake step. */
export function createWatcher(
  options: WorkOptions,
  services: DaemonServices,
  work: WorkQueue,
  now: () => number,
): InboxWatcher {
  const { config, paths, log } = options;
  const { intake } = services;
  const watcher = (options.watcher ?? createInboxWatcher)({
    inbox: paths.reviewed,
    clockProbeDir: paths.state,
    stableMs: config.daemon.watch.stable_ms,
    rescanMs: config.daemon.watch.rescan_ms,
    polling: config.daemon.watch.polling,
    pollingIntervalMs: config.daemon.watch.polling_interval_ms,
    follow: !options.once,
    now,
    log: log.child({ component: 'watch' }),
    unchanged: (f) => intake.unchanged(f),
    onReady: async (files) => {
      intake.offer(files);
      await work.request('intake');
    },
  });
  services.gauges.inboxWaiting = () => watcher.waiting + intake.pending;
  return watcher;
}
