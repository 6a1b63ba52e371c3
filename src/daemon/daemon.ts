/**
 * The daemon (`slicebatch run`): the inbox watcher feeds the intake step (conversion), whose
 * batch input files feed the submission queue; the poll tick runs on cron, hands ended batches
 * to the poller, and results feed the compiler (debounced). Steps run one at a time, but
 * intake beside a poll tick (work-queue.ts); each is idempotent, so a restart after a crash or `kill -9` resumes exactly
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
import cron from 'node-cron';
import type { Config } from '../config/schema.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import type { ConvertHelpers } from '../convert/helper-thread-client.ts';
import { errorMessage } from '../errors.ts';
import type { createInboxWatcher } from '../intake/inbox-watcher.ts';
import { createReleasers } from '../lifecycle/releasers.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import type { TickSummary } from '../poll/poller.ts';
import { lockDataDir } from '../storage/data-dir-lock.ts';
import { writeHeartbeat, type Heartbeat } from '../domain/heartbeat.ts';
import { checkApiAccess, createDaemonStop, startDaemonListener } from './daemon-edges.ts';
import { openDaemonServices, type DaemonServices } from './daemon-services.ts';
import { createStanding } from './daemon-steps.ts';
import { createOnceCheck, heartbeatOf, type DaemonParts } from './daemon-views.ts';
import { debouncedCompile } from './debounced-compile.ts';
import { createWatcher, startWork } from './daemon-work.ts';
import type { OnceOutcome } from './once-outcome.ts';

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
  readonly compile?: ((signal: AbortSignal) => Promise<unknown>) | undefined;
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

/** What every part of a starting daemon shares: its clock, releasers, signal and standing. */
function daemonContext(options: DaemonOptions) {
  const { paths, log } = options;
  const clock = options.clock ?? systemClock;
  const now = (): number => clock.now();
  const run = {
    phase: 'starting' as Heartbeat['phase'],
    beat: (): Heartbeat | undefined => undefined,
    httpUrl: undefined as string | undefined,
  };
  const releasers = createReleasers({
    onError: (err) => log.error({ err }, `releasing failed: ${errorMessage(err)}`),
  });
  return {
    options,
    clock,
    now,
    run,
    releasers,
    // Aborted at the stop deadline: every step and every API call gets its signal.
    abort: new AbortController(),
    startedAt: new Date(now()).toISOString(),
    // What the steps learn: read by the heartbeat, the health check and --once.
    standing: createStanding(),
    finished: Promise.withResolvers<Extract<OnceOutcome, { ended: true }>>(),
    writeBeat: async (): Promise<void> => {
      const b = run.beat();
      if (b === undefined) return;
      await writeHeartbeat(paths.state, b).catch((err: unknown) =>
        log.warn({ err }, `could not write the heartbeat: ${errorMessage(err)}`),
      );
    },
    runCleanups: (): Promise<void> => releasers.release().catch(() => undefined),
  };
}

type DaemonContext = ReturnType<typeof daemonContext>;

/** The data folder's lock, and the heartbeat's last word written while it is still ours. */
async function holdDataDir(ctx: DaemonContext): Promise<void> {
  const { paths } = ctx.options;
  const lock = await lockDataDir(paths.state, paths.dataDir, 'run');
  ctx.releasers.add(() => lock.release());
  ctx.releasers.add(async () => {
    ctx.run.phase = 'stopped';
    await ctx.writeBeat();
  });
}

/** The compilation, the steps and their queue, --once, the watcher: made, not started. */
function wireDaemon(ctx: DaemonContext, services: DaemonServices) {
  const { options, releasers, now } = ctx;
  const { config, log } = options;
  const compilation = debouncedCompile({
    compile: options.compile,
    debounceMs: config.daemon.compile_debounce_ms,
    once: options.once,
    log,
  });
  releasers.add(() => compilation.close());
  const onEnded = (): void => (options.once ? once.check() : undefined);
  const work = startWork(options, services, {
    standing: ctx.standing,
    compilation,
    signal: ctx.abort.signal,
    releasers,
    now,
    onEnded,
    accessCheck: (signal) =>
      checkApiAccess(services.api, {
        emulator: options.emulator,
        standing: ctx.standing,
        log,
        signal,
      }),
  });
  const parts: DaemonParts = {
    config,
    standing: ctx.standing,
    services,
    work,
    watcher: undefined,
    nextPollAt: () => null,
  };
  const once = createOnceCheck(parts, compilation, log, (o) => ctx.finished.resolve(o));
  const watcher = createWatcher(options, services, work, now);
  parts.watcher = watcher;
  let closingWatcher: Promise<void> | undefined;
  const closeWatcher = (): Promise<void> => (closingWatcher ??= watcher.close());
  releasers.add(closeWatcher);
  return { compilation, work, parts, once, onEnded, watcher, closeWatcher };
}

type DaemonWiring = ReturnType<typeof wireDaemon>;

/** Everything started: the API checked, the watcher, the poll cron, the heartbeat, the listener. */
async function startRunning(
  ctx: DaemonContext,
  services: DaemonServices,
  w: DaemonWiring,
): Promise<{ stopCron: () => void }> {
  const { options, releasers, now, run } = ctx;
  const { config } = options;
  // The watcher first: its first scan stats every inbox file, and a first poll started beside
  // it (ended batches to download and judge, files written and synced) held those stats up on
  // the same I/O threads; a restart with 10,000 files taken came to run in 3.2 to 4.3 s against
  // 1.7 to 2.1 s so. Then resume: ended batches (their retries) before what waits to be
  // submitted, the poll asked before the submit that an intake run asks at its end. The first
  // step that calls the API makes the access check before it (access-check-first.ts).
  await w.watcher.start();
  void w.work.request('poll');
  const task = cron.schedule(options.pollSchedule, () => void w.work.request('poll'), {
    noOverlap: true,
    name: 'slicebatch-poll',
  });
  releasers.add(() => task.destroy());
  w.parts.nextPollAt = () => task.getNextRun()?.getTime() ?? null;
  if (!options.once) w.compilation.soon();

  const startedAt = ctx.startedAt;
  run.beat = () => heartbeatOf(w.parts, { ...options, phase: run.phase, startedAt, now: now() });
  run.phase = 'running';
  await ctx.writeBeat();
  const heartbeatTimer = setInterval(() => void ctx.writeBeat(), config.daemon.heartbeat_ms);
  releasers.add(() => clearInterval(heartbeatTimer));
  if (config.http.listen !== undefined) {
    const listener = await startDaemonListener({
      ...options,
      listen: config.http.listen,
      now,
      beat: () => run.beat(),
      metrics: services.metrics,
      work: w.work,
    });
    releasers.add(() => listener.close());
    run.httpUrl = listener.url;
  }
  w.once.start();
  w.onEnded();
  return { stopCron: () => void task.stop() };
}

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, paths, log } = options;
  const ctx = daemonContext(options);
  try {
    await holdDataDir(ctx);
    const services = await openDaemonServices({
      ...options,
      clock: ctx.clock,
      signal: ctx.abort.signal,
      standing: ctx.standing,
      releasers: ctx.releasers,
    });
    const wiring = wireDaemon(ctx, services);
    const { stopCron } = await startRunning(ctx, services, wiring);
    log.info(
      {
        dataDir: paths.dataDir,
        pollSchedule: options.pollSchedule,
        once: options.once,
        inboxTaken: services.intakeLog.size,
        jobs: services.submitter.jobs.size,
      },
      `slicebatch is running on ${paths.dataDir}: watching ${paths.reviewed}, polling on "${options.pollSchedule}"`,
    );
    const stop = createDaemonStop({
      deadlineMs: config.daemon.stop_timeout_ms,
      controller: ctx.abort,
      work: wiring.work,
      closers: [stopCron, wiring.closeWatcher],
      log,
      announce: async () => {
        ctx.run.phase = 'stopping';
        await ctx.writeBeat();
      },
      release: ctx.runCleanups,
    });
    return {
      finished: ctx.finished.promise,
      stop,
      heartbeat: () => ctx.run.beat()!,
      get httpUrl() {
        return ctx.run.httpUrl;
      },
    };
  } catch (err) {
    await ctx.runCleanups();
    throw err;
  }
}
