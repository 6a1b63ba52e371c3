/**
 * The daemon (`slicebatch run`): the inbox watcher feeds the intake step (conversion), whose
 * batch input files feed the submission queue; the poll tick runs on cron, hands ended batches
 * to the poller, and results feed the compiler (debounced). Steps run one at a time
 * (work-queue.ts); each is idempotent, so a restart after a crash or `kill -9` resumes exactly
 * where the last one stopped.
 *
 * Lifecycle: started in order (lock, heartbeat, bookkeeping, helper thread, submitter, poller,
 * watcher, cron, heartbeat timer), each start registering its cleanup; `stop()` stops intake and
 * the cron first, lets the running step finish within `daemon.stop_timeout_ms` (or leaves it,
 * parked: every step is safe to cut), then runs the cleanups in reverse. `stop()` is idempotent.
 */
import { systemClock, type Clock } from '../clock.ts';
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../config/data-paths.ts';
import type { ConvertHelpers } from '../convert/helper-thread-client.ts';
import { errorMessage } from '../errors.ts';
import { createInboxWatcher, type InboxWatcher } from '../intake/inbox-watcher.ts';
import { describeListingProblem } from '../storage/list-files.ts';
import { writeTroubleOf } from './heartbeat.ts';
import { openIntakeLog } from '../intake/intake-log.ts';
import { writeSubmissionRound } from '../jobs/job-store.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { classifyApiError } from '../openai/api-failure.ts';
import { openPoller, type TickSummary } from '../poll/poller.ts';
import { lockDataDir } from '../storage/data-dir-lock.ts';
import { ApiCallFailed } from '../submit/api-retry.ts';
import { listBatchInputFiles } from '../submit/batch-input-files.ts';
import { describeWaiting, submissionRoundReport } from '../submit/round-report.ts';
import type { PlanDecision } from '../submit/submission-plan.ts';
import { openSubmitter } from '../submit/submitter.ts';
import { judgeHealth, writeHeartbeat, type Heartbeat } from './heartbeat.ts';
import { startReviewListener } from '../review/review-listener.ts';
import { applyResends } from '../review/resend.ts';
import { tokenCounters } from '../convert/token-counter.ts';
import { createMetrics } from './metrics.ts';
import { observedApi } from '../openai/observed-api.ts';
import type { JobRecord } from '../jobs/job-record.ts';
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
}

export interface DaemonEvents {
  readonly steps: number;
  readonly lastPoll: TickSummary | undefined;
}

const QUOTA_PROBLEM =
  "the API says the account's quota is exhausted (429 insufficient_quota): submission stopped; check the plan and billing";

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

type Cleanup = () => Promise<void> | void;

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, paths, log } = options;
  const clock = options.clock ?? systemClock;
  const now = (): number => clock.now();
  const cleanups: Cleanup[] = [];
  const startedAt = new Date(now()).toISOString();
  let phase: Heartbeat['phase'] = 'starting';
  let lastPoll: Heartbeat['last_poll'] = null;
  let task: ScheduledTask | undefined;
  let watcher: InboxWatcher | undefined;
  let lastDecisions: readonly PlanDecision[] | undefined;
  let authError: string | undefined;
  let quotaError: string | undefined;
  const problems = new Map<string, string>();
  const submitFailures = new Map<string, number>();
  const downloadFailures = new Map<string, number>();
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

  const runCleanups = async (): Promise<void> => {
    while (cleanups.length > 0) {
      const cleanup = cleanups.pop()!;
      try {
        await cleanup();
      } catch (err) {
        log.error({ err }, `cleanup failed: ${errorMessage(err)}`);
      }
    }
  };

  // ---- Start, in order ----
  try {
    const lock = await lockDataDir(paths.state, paths.dataDir, 'run');
    cleanups.push(() => lock.release());
    // The last word of the heartbeat, written while the data folder is still ours.
    cleanups.push(async () => {
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
      problems: () => problems,
    });
    const api = observedApi(options.api, (kind) => metrics.apiErrors.inc({ kind }));

    const intakeLog = await openIntakeLog(paths.state);
    cleanups.push(() => intakeLog.close());
    const helpers = options.helpers();
    cleanups.push(() => helpers.close());
    const submitter = await openSubmitter({
      api,
      stateDir: paths.state,
      batchOutputDir: paths.batchOutput,
      config,
      clock,
      log: log.child({ component: 'submit' }),
    });
    cleanups.push(() => submitter.close());
    jobs = () => submitter.jobs.values();
    limits = () => submitter.limits();
    const counterFor = tokenCounters();
    const poller = await openPoller({
      submitter,
      api,
      paths,
      config,
      log: log.child({ component: 'poll' }),
      now,
      counterFor,
    });
    cleanups.push(() => poller.close());
    const intake = createIntakeStep({
      paths,
      config,
      helpers,
      intakeLog,
      log: log.child({ component: 'convert' }),
      now,
    });

    // ---- Compilation, debounced ----
    let compileTimer: NodeJS.Timeout | undefined;
    let compiling: Promise<void> | undefined;
    const compileAbort = new AbortController();
    const compileNow = async (): Promise<void> => {
      if (options.compile === undefined) return;
      while (compiling !== undefined) await compiling;
      compiling = options
        .compile(compileAbort.signal)
        .catch((err: unknown) => {
          if (compileAbort.signal.aborted) {
            log.info(
              'compilation interrupted by the stop; nothing published, it runs again at start',
            );
          } else {
            log.error({ err }, `compiling the dataset failed: ${errorMessage(err)}`);
          }
        })
        .finally(() => {
          compiling = undefined;
        });
      await compiling;
    };
    const compileSoon = (): void => {
      if (options.compile === undefined || options.once) return;
      if (compileTimer !== undefined) clearTimeout(compileTimer);
      compileTimer = setTimeout(() => {
        compileTimer = undefined;
        void compileNow();
      }, config.daemon.compile_debounce_ms);
    };
    cleanups.push(async () => {
      if (compileTimer !== undefined) clearTimeout(compileTimer);
      compileAbort.abort();
      await compiling;
    });

    // ---- The steps ----
    const noteApiError = (err: unknown): void => {
      const failure = err instanceof ApiCallFailed ? err.failure : classifyApiError(err);
      if (failure?.kind === 'auth') {
        authError = failure.message;
        problems.set(
          'auth',
          `the API refused the key (${failure.status ?? 401}): check OPENAI_API_KEY / api_key`,
        );
      }
      if (failure?.kind === 'quota') {
        quotaError = failure.message;
        problems.set('quota', QUOTA_PROBLEM);
      }
    };

    const submitStep = async (): Promise<void> => {
      const files = await listBatchInputFiles(paths.batchInput, paths.dataDir);
      const round = await submitter.submitRound(files);
      lastDecisions = round.decisions;
      metrics.submitted.inc(round.submitted.length);
      for (const f of round.failed) {
        submitFailures.set(f.file, (submitFailures.get(f.file) ?? 0) + 1);
      }
      for (const j of round.submitted) submitFailures.delete(j.batch_file);
      if (round.authError !== undefined) {
        authError = round.authError;
        problems.set('auth', `the API refused the key (401): check OPENAI_API_KEY / api_key`);
      } else {
        problems.delete('auth');
      }
      if (round.quotaError !== undefined) {
        quotaError = round.quotaError;
        problems.set('quota', QUOTA_PROBLEM);
      } else if (round.submitted.length > 0) {
        quotaError = undefined;
        problems.delete('quota');
      }
      const capped = round.decisions.flatMap((d) =>
        d.kind === 'cost_cap' || d.kind === 'too_large'
          ? [`${d.file.display} ${describeWaiting(d)}`]
          : [],
      );
      if (capped.length > 0) problems.set('submit', capped.join('; '));
      else problems.delete('submit');
      if (round.submitted.length > 0 || round.failed.length > 0) {
        const at = new Date(now());
        await writeSubmissionRound(paths.batchOutput, submissionRoundReport(round, at), at);
      }
    };

    const pollStep = async (): Promise<void> => {
      const started = now();
      try {
        const tick = await poller.tick();
        lastPoll = { ended_at: now(), ok: true, duration_ms: tick.durationMs };
        metrics.pollDuration.observe(tick.durationMs / 1000);
        for (const job of submitter.jobs.values()) {
          if (job.done || job.download_error === null) downloadFailures.delete(job.batch_id);
          else downloadFailures.set(job.batch_id, (downloadFailures.get(job.batch_id) ?? 0) + 1);
        }
        if (tick.handled > 0) compileSoon();
        // Resends asked by a reviewer (the review page, or `slicebatch ui`), to the queue.
        await applyResends({ paths, now, log, counterFor });
      } catch (err) {
        lastPoll = { ended_at: now(), ok: false, duration_ms: now() - started };
        noteApiError(err);
        throw err;
      } finally {
        // Retries written by the tick, files back from a token-limit backoff, budget freed.
        void work.request('submit');
      }
    };

    let unsubmittedOutputs = false;
    let writeRetry: NodeJS.Timeout | undefined;
    cleanups.push(() => clearTimeout(writeRetry));
    const intakeStep = async (): Promise<void> => {
      const result = await intake.run();
      metrics.files.inc(result.files);
      metrics.slices.inc({ result: 'converted' }, result.slices);
      metrics.slices.inc({ result: 'rejected' }, result.rejected);
      metrics.slices.inc({ result: 'already_sent' }, result.alreadySent);
      // More than one run's worth came: convert it all first, then submit what was written.
      unsubmittedOutputs ||= result.outputs > 0;
      const trouble = intake.writeTrouble;
      if (trouble !== undefined && intake.pending > 0) {
        // Writing fails (disk full, I/O errors): the files wait, tried again after a backoff.
        clearTimeout(writeRetry);
        writeRetry = setTimeout(() => void work.request('intake'), trouble.retryAt - now());
      } else if (intake.pending > 0) {
        void work.request('intake');
      } else if (unsubmittedOutputs) {
        unsubmittedOutputs = false;
        void work.request('submit');
      }
    };

    const onStep = (e: StepEvent): void => {
      if (e.endedAt !== undefined && e.error !== undefined) noteApiError(e.error);
      if (e.endedAt !== undefined && options.once) checkOnce();
    };
    const work = createWorkQueue({
      steps: { intake: intakeStep, submit: submitStep, poll: pollStep },
      now,
      log,
      onStep,
    });
    cleanups.push(() => work.drain());
    queueDepth = () => work.depth;

    // ---- --once: the end ----
    let ending = false;
    let started = false;
    const checkOnce = (): void => {
      if (ending || !started) return;
      const outcome = onceOutcome({
        inboxWaiting: (watcher?.waiting ?? 1) + intake.pending,
        busy: work.running !== undefined || work.depth > 0,
        decisions: lastDecisions,
        jobs: submitter.jobs.values(),
        unreadable: new Map([
          ...intake.unreadable,
          ...(watcher?.problems ?? [])
            .filter((p) => p.kind === 'unreadable')
            .map((p) => [`inbox folder ${p.rel}`, { reason: describeListingProblem(p) }] as const),
        ]),
        submitFailures,
        downloadFailures,
        maxFailures: config.retry.max_attempts,
        authError,
        quotaError,
      });
      if (!outcome.ended) {
        log.debug({ waitingFor: outcome.waitingFor }, `--once: waiting for ${outcome.waitingFor}`);
        return;
      }
      ending = true;
      void compileNow().then(() => finished.resolve(outcome));
    };

    // ---- Intake ----
    watcher = createInboxWatcher({
      inbox: paths.reviewed,
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
    cleanups.push(() => watcher?.close());
    inboxWaiting = () => (watcher?.waiting ?? 0) + intake.pending;

    // The key (or the built-in emulator, which takes none), checked at once with one listing
    // call rather than at the first batch.
    void (async () => {
      try {
        for await (const _ of api.listBatches()) break;
        log.info(options.emulator ? 'the built-in emulator answers' : 'the API accepted the key');
      } catch (err) {
        noteApiError(err);
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
    cleanups.push(async () => {
      await task?.destroy();
    });
    if (!options.once) compileSoon();

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
      last_poll: lastPoll,
      next_poll_at: task?.getNextRun()?.getTime() ?? null,
      queue_depth: work.depth,
      inbox_waiting: (watcher?.waiting ?? 0) + intake.pending,
      write_trouble: writeTroubleOf(intake.writeTrouble),
      problems: [
        ...problems.values(),
        ...(watcher?.problems ?? [])
          .filter((p) => p.kind === 'unreadable')
          .map((p) => `inbox folder ${describeListingProblem(p)}`),
      ],
    });
    phase = 'running';
    await writeBeat();
    const heartbeatTimer = setInterval(() => void writeBeat(), config.daemon.heartbeat_ms);
    cleanups.push(() => clearInterval(heartbeatTimer));
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
      cleanups.push(() => listener.close());
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
        await task?.stop();
        await watcher?.close();
        const running = work.running;
        let timer: NodeJS.Timeout | undefined;
        const drained = await Promise.race([
          work.drain().then(() => true),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(false), deadline))),
        ]);
        clearTimeout(timer);
        if (!drained) {
          log.warn(
            { step: running?.step },
            `the ${running?.step ?? 'current'} step did not end within ${deadline} ms; leaving it parked (the next start resumes it)`,
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
