/**
 * The daemon (`slicebatch run`): the inbox watcher feeds the intake step (conversion), whose
 * batch input files feed the submission queue; the poll tick runs on cron, hands ended batches
 * to the poller, and results feed the compiler (debounced). Steps run one at a time
 * (work-queue.ts); each is idempotent, so a restart after a crash or `kill -9` resumes exactly
 * where the last one stopped.
 *
 * Lifecycle (src/lifecycle/): started in order (lock, heartbeat, bookkeeping, helper thread,
 * submitter, poller, watcher, cron, heartbeat timer), each start registering its releaser.
 * One AbortController per daemon: its signal goes to every step and, bound to the API port,
 * to every API call. `stop()` closes the watcher and the cron while the running step drains; at
 * `daemon.stop_timeout_ms` the signal is aborted (every step is safe to cut: the next start
 * resumes it), then the releasers run last-in-first-out. `stop()` is idempotent; a second
 * signal forces the exit (cli/main.ts).
 */
import { systemClock, type Clock } from '../clock.ts';
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import type { ConvertHelpers } from '../convert/helper-thread-client.ts';
import { errorMessage } from '../errors.ts';
import { createInboxWatcher, type InboxWatcher } from '../intake/inbox-watcher.ts';
import { describeListingProblem } from '../storage/list-files.ts';
import { writeTroubleOf } from '../domain/heartbeat.ts';
import { stopWithin } from '../lifecycle/bounded-stop.ts';
import { createReleasers } from '../lifecycle/releasers.ts';
import { openIntakeLog } from '../intake/intake-log.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { openPoller, type TickSummary } from '../poll/poller.ts';
import { lockDataDir } from '../storage/data-dir-lock.ts';
import { openSubmitter } from '../submit/submitter.ts';
import { judgeHealth, writeHeartbeat, type Heartbeat } from '../domain/heartbeat.ts';
import { startReviewListener } from '../review/review-listener.ts';
import { applyResends } from '../review/resend.ts';
import { tokenCounters } from '../domain/token-counter.ts';
import { createMetrics } from './metrics.ts';
import { observedApi } from '../openai/observed-api.ts';
import { withSignal } from '../openai/with-signal.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { createDaemonSteps, createStanding, noteApiError } from './daemon-steps.ts';
import { debouncedCompile } from './debounced-compile.ts';
import { createIntakeStep } from './intake-step.ts';
import { onceOutcome, type OnceOutcome } from './once-outcome.ts';
import { createWorkQueue, type StepEvent } from './work-queue.ts';

export interface DaemonOptions {
  readonly config: Config;
  readonly paths: DataPaths;
  readonly api: BatchApi;
  readonly log: Logger;
  /** Take what is in the inbox now, drive it to an end, compile, and report (`--once`). */
  readonly once: boolean;
  /** node-cron expression of the poll tick. */
  readonly pollSchedule: string;
  /** Compiles the dataset (debounced after downloads; at the end of --once). */
  readonly compile?: ((signal: AbortSignal) => Promise<void>) | undefined;
  readonly helpers: () => ConvertHelpers;
  /** The built-in emulator serves the API (said in the heartbeat). */
  readonly emulator: boolean;
  readonly version: string;
  /** The one clock of the daemon (the system clock unless a test gives another). */
  readonly clock?: Clock;
  /** The inbox watcher (tests inject one around the real watcher). */
  readonly watcher?: typeof createInboxWatcher;
}

export interface DaemonEvents {
  readonly steps: number;
  readonly lastPoll: TickSummary | undefined;
}

export interface Daemon {
  /** `--once`: resolves with the outcome once everything has ended and been compiled. */
  readonly finished: Promise<Extract<OnceOutcome, { ended: true }>>;
  /** Stops intake, drains within the deadline, closes everything; idempotent. */
  stop(): Promise<void>;
  /** The daemon's own state, as written to the heartbeat. */
  heartbeat(): Heartbeat;
  /** The health and metrics listener's address, when `http.listen` is set. */
  readonly httpUrl: string | undefined;
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, paths, log } = options;
  const clock = options.clock ?? systemClock;
  const now = (): number => clock.now();
  const releasers = createReleasers({
    onError: (err) => log.error({ err }, `releasing failed: ${errorMessage(err)}`),
  });
  // Aborted at the stop deadline: every step and every API call gets its signal.
  const abort = new AbortController();
  const startedAt = new Date(now()).toISOString();
  let phase: Heartbeat['phase'] = 'starting';
  let task: ScheduledTask | undefined;
  let watcher: InboxWatcher | undefined;
  // What the steps learn: read by the heartbeat, the health check and --once.
  const standing = createStanding();
  const finished = Promise.withResolvers<Extract<OnceOutcome, { ended: true }>>();

  let beat: () => Heartbeat | undefined = () => undefined;
  let httpUrl: string | undefined;
  const writeBeat = async (): Promise<void> => {
    const b = beat();
    if (b === undefined) return;
    try {
      await writeHeartbeat(paths.state, b);
    } catch (err) {
      log.warn({ err }, `could not write the heartbeat: ${errorMessage(err)}`);
    }
  };

  const runCleanups = (): Promise<void> => releasers.release().catch(() => undefined);

  // ---- Start, in order ----
  try {
    const lock = await lockDataDir(paths.state, paths.dataDir, 'run');
    releasers.add(() => lock.release());
    // The last word of the heartbeat, written while the data folder is still ours.
    releasers.add(async () => {
      phase = 'stopped';
      await writeBeat();
    });

    let queueDepth = (): number => 0;
    let inboxWaiting = (): number => 0;
    let jobs = (): Iterable<JobRecord> => [];
    let limits = (): ReadonlyMap<string, number> => new Map();
    const metrics = createMetrics({
      jobs: () => jobs(),
      limits: () => limits(),
      queueDepth: () => queueDepth(),
      inboxWaiting: () => inboxWaiting(),
      problems: () => standing.problems,
    });
    const api = withSignal(
      observedApi(options.api, (kind) => metrics.apiErrors.inc({ kind })),
      abort.signal,
    );

    const intakeLog = await openIntakeLog(paths.state);
    releasers.add(() => intakeLog.close());
    const helpers = options.helpers();
    releasers.add(() => helpers.close());
    const submitter = await openSubmitter({
      api,
      stateDir: paths.state,
      batchOutputDir: paths.batchOutput,
      config,
      // Waits between retries end at the stop deadline too.
      clock: {
        now: () => clock.now(),
        sleep: (ms, signal) => clock.sleep(ms, signal ?? abort.signal),
      },
      log: log.child({ component: 'submit' }),
    });
    releasers.add(() => submitter.close());
    jobs = () => submitter.jobs.values();
    limits = () => submitter.limits();
    const counterFor = tokenCounters();
    const poller = await openPoller({
      jobs: submitter.tracker,
      api,
      paths,
      config,
      log: log.child({ component: 'poll' }),
      now,
      counterFor,
    });
    releasers.add(() => poller.close());
    const intake = createIntakeStep({
      paths,
      config,
      helpers,
      intakeLog,
      log: log.child({ component: 'convert' }),
      now,
    });

    // ---- Compilation, debounced ----
    const compilation = debouncedCompile({
      compile: options.compile,
      debounceMs: config.daemon.compile_debounce_ms,
      once: options.once,
      log,
    });
    releasers.add(() => compilation.close());

    // ---- The steps ----
    // Writing failed (disk full, I/O errors): intake is asked again after a backoff.
    let writeRetry: NodeJS.Timeout | undefined;
    releasers.add(() => clearTimeout(writeRetry));
    const steps = createDaemonSteps({
      paths,
      submitter,
      poller,
      intake,
      metrics,
      standing,
      now,
      request: (step) => void work.request(step),
      requestLater: (step, ms) => {
        clearTimeout(writeRetry);
        writeRetry = setTimeout(() => void work.request(step), ms);
      },
      compileSoon: () => compilation.soon(),
      // Resends asked by a reviewer (the review page, or `slicebatch ui`), to the queue.
      afterPoll: async () => void (await applyResends({ paths, now, log, counterFor })),
    });

    const onStep = (e: StepEvent): void => {
      if (e.endedAt !== undefined && e.error !== undefined) noteApiError(standing, e.error);
      if (e.endedAt !== undefined && options.once) checkOnce();
    };
    const work = createWorkQueue({
      steps,
      signal: abort.signal,
      now,
      log,
      onStep,
    });
    queueDepth = () => work.depth;

    // ---- --once: the end ----
    let ending = false;
    let started = false;
    const checkOnce = (): void => {
      if (ending || !started) return;
      const outcome = onceOutcome({
        inboxWaiting: (watcher?.waiting ?? 1) + intake.pending,
        busy: work.running !== undefined || work.depth > 0,
        decisions: standing.lastDecisions,
        jobs: submitter.jobs.values(),
        unreadable: new Map([
          ...intake.unreadable,
          ...(watcher?.problems ?? [])
            .filter((p) => p.kind === 'unreadable')
            .map((p) => [`inbox folder ${p.rel}`, { reason: describeListingProblem(p) }] as const),
        ]),
        submitFailures: standing.submitFailures,
        downloadFailures: standing.downloadFailures,
        submitRounds: config.retry.submit_rounds,
        downloadRefusals: config.retry.download_refusals,
        downloadInterruptions: config.retry.download_interruptions,
        authError: standing.authError,
        quotaError: standing.quotaError,
      });
      if (!outcome.ended) {
        log.debug({ waitingFor: outcome.waitingFor }, `--once: waiting for ${outcome.waitingFor}`);
        return;
      }
      ending = true;
      void compilation.now().then(() => finished.resolve(outcome));
    };

    // ---- Intake ----
    watcher = (options.watcher ?? createInboxWatcher)({
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
    const closeWatcher = (): Promise<void> => (closingWatcher ??= watcher!.close());
    let closingWatcher: Promise<void> | undefined;
    releasers.add(closeWatcher);
    inboxWaiting = () => (watcher?.waiting ?? 0) + intake.pending;

    // The key (or the built-in emulator, which takes none), checked at once with one listing
    // call rather than at the first batch.
    void (async () => {
      try {
        for await (const _ of api.listBatches()) break;
        log.info(options.emulator ? 'the built-in emulator answers' : 'the API accepted the key');
      } catch (err) {
        noteApiError(standing, err);
        const what = options.emulator ? 'reaching the built-in emulator' : 'checking the API key';
        log.error({ err }, `${what} failed: ${errorMessage(err)}`);
      }
      if (options.once) checkOnce();
    })();

    // Resume: ended batches first (their retries), then what waits to be submitted.
    void work.request('poll');
    await watcher.start();

    // ---- The poll tick on cron ----
    task = cron.schedule(
      options.pollSchedule,
      () => {
        void work.request('poll');
      },
      { noOverlap: true, name: 'slicebatch-poll' },
    );
    releasers.add(() => task?.destroy());
    if (!options.once) compilation.soon();

    // ---- The heartbeat ----
    beat = (): Heartbeat => ({
      pid: process.pid,
      host: hostname(),
      version: options.version,
      phase,
      emulator: options.emulator,
      started_at: startedAt,
      beat_at: now(),
      heartbeat_ms: config.daemon.heartbeat_ms,
      stuck_after_ms: config.daemon.stuck_after_ms,
      running: work.running ?? null,
      last_poll: standing.lastPoll,
      next_poll_at: task?.getNextRun()?.getTime() ?? null,
      queue_depth: work.depth,
      inbox_waiting: (watcher?.waiting ?? 0) + intake.pending,
      write_trouble: writeTroubleOf(intake.writeTrouble),
      problems: [
        ...standing.problems.values(),
        ...(watcher?.problems ?? [])
          .filter((p) => p.kind === 'unreadable')
          .map((p) => `inbox folder ${describeListingProblem(p)}`),
      ],
    });
    phase = 'running';
    await writeBeat();
    const heartbeatTimer = setInterval(() => void writeBeat(), config.daemon.heartbeat_ms);
    releasers.add(() => clearInterval(heartbeatTimer));
    if (config.http.listen !== undefined) {
      const listener = await startReviewListener({
        listen: config.http.listen,
        config,
        paths,
        log: log.child({ component: 'review' }),
        now,
        health: () => judgeHealth(beat(), now()),
        metrics,
        // The search index is built when the slices are first looked at, not at every start.
        eagerIndex: false,
        // A resend is carried out by the next poll step: ask for one now.
        onDecision: (d) => {
          if (d.t === 'resend') void work.request('poll');
        },
      });
      releasers.add(() => listener.close());
      httpUrl = listener.url;
      log.info(
        { url: listener.url },
        `review page at ${listener.url}/, health and metrics at /healthz and /metrics`,
      );
      if (!listener.loopback) {
        log.warn(
          { url: listener.url, listen: config.http.listen },
          `"http.listen" ${JSON.stringify(config.http.listen)} is not loopback: the review page, /healthz and /metrics are open (behind the token of http.token_file) to every network this machine is on; use 127.0.0.1:<port> unless that is meant`,
        );
      }
    }
    started = true;
    if (options.once) checkOnce();

    log.info(
      {
        dataDir: paths.dataDir,
        pollSchedule: options.pollSchedule,
        once: options.once,
        inboxTaken: intakeLog.size,
        jobs: submitter.jobs.size,
      },
      `slicebatch is running on ${paths.dataDir}: watching ${paths.reviewed}, polling on "${options.pollSchedule}"`,
    );

    // ---- Stop ----
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        phase = 'stopping';
        await writeBeat();
        const deadline = config.daemon.stop_timeout_ms;
        log.info(
          { deadlineMs: deadline },
          `stopping: intake closed, finishing the step in progress`,
        );
        const running = work.running;
        // The watcher closes while the step drains: closing waits for the files it is handing
        // over, which wait behind the running step (so closing first would wait for the step).
        const outcome = await stopWithin(
          { closers: [() => task?.stop(), closeWatcher], drain: () => work.drain() },
          { deadlineMs: deadline, controller: abort },
        );
        if (outcome !== 'drained') {
          log.warn(
            { step: running?.step, outcome },
            outcome === 'aborted'
              ? `the ${running?.step ?? 'current'} step did not end within ${deadline} ms; aborted it (the next start resumes it)`
              : `the ${running?.step ?? 'current'} step did not end within ${deadline} ms, nor once aborted; leaving it (the next start resumes it)`,
          );
        }
        await runCleanups();
        log.info('stopped');
      })();
      return stopping;
    };

    return {
      finished: finished.promise,
      stop,
      heartbeat: () => beat()!,
      get httpUrl() {
        return httpUrl;
      },
    };
  } catch (err) {
    await runCleanups();
    throw err;
  }
}
