/**
 * What the running daemon says of itself, read from its parts: the heartbeat (written every
 * `daemon.heartbeat_ms`, read by `status`, `health` and /healthz) and, with `--once`, whether
 * everything has ended (once-outcome.ts decides).
 */
import { hostname } from 'node:os';
import type { Config } from '../config/schema.ts';
import { writeTroubleOf, type Heartbeat } from '../domain/heartbeat.ts';
import type { InboxWatcher } from '../intake/inbox-watcher.ts';
import type { Logger } from '../log/logger.ts';
import { describeListingProblem } from '../storage/list-files.ts';
import type { DaemonStanding } from './daemon-steps.ts';
import type { DaemonServices } from './daemon-services.ts';
import type { DebouncedCompile } from './debounced-compile.ts';
import { onceOutcome, type OnceOutcome } from './once-outcome.ts';
import type { WorkQueue } from './work-queue.ts';

/** The daemon's parts the views read; the watcher and the cron exist once started. */
export interface DaemonParts {
  readonly config: Config;
  readonly standing: DaemonStanding;
  readonly services: DaemonServices;
  readonly work: WorkQueue;
  watcher: InboxWatcher | undefined;
  nextPollAt: () => number | null;
}

/** The inbox folders the watcher cannot read, as problems for a person. */
function unreadableFolders(watcher: InboxWatcher | undefined): [string, string][] {
  return (watcher?.problems ?? [])
    .filter((p) => p.kind === 'unreadable')
    .map((p) => [p.rel, describeListingProblem(p)]);
}

export function heartbeatOf(
  parts: DaemonParts,
  run: {
    readonly version: string;
    readonly emulator: boolean;
    readonly phase: Heartbeat['phase'];
    readonly startedAt: string;
    readonly now: number;
  },
): Heartbeat {
  const { config, standing, work, watcher } = parts;
  const { intake } = parts.services;
  return {
    pid: process.pid,
    host: hostname(),
    version: run.version,
    phase: run.phase,
    emulator: run.emulator,
    started_at: run.startedAt,
    beat_at: run.now,
    heartbeat_ms: config.daemon.heartbeat_ms,
    stuck_after_ms: config.daemon.stuck_after_ms,
    running: work.running ?? null,
    last_poll: standing.lastPoll,
    next_poll_at: parts.nextPollAt(),
    queue_depth: work.depth,
    inbox_waiting: (watcher?.waiting ?? 0) + intake.pending,
    write_trouble: writeTroubleOf(intake.writeTrouble),
    submit_pause: parts.services.submitter.pause ?? null,
    problems: [
      ...standing.problems.values(),
      ...unreadableFolders(watcher).map(([, why]) => `inbox folder ${why}`),
    ],
  };
}

/**
 * `--once`: a check run after every step, from the moment the daemon has started (`start`);
 * when everything has ended, the dataset is compiled and `finished` resolves with the outcome
 * (once).
 */
export function createOnceCheck(
  parts: DaemonParts,
  compilation: DebouncedCompile,
  log: Logger,
  finished: (outcome: Extract<OnceOutcome, { ended: true }>) => void,
): { check(): void; start(): void } {
  let ending = false;
  let started = false;
  const check = (): void => {
    if (ending || !started) return;
    const { config, standing, work, watcher } = parts;
    const { intake, submitter } = parts.services;
    const outcome = onceOutcome({
      inboxWaiting: (watcher?.waiting ?? 1) + intake.pending,
      busy: work.running !== undefined || work.depth > 0,
      decisions: standing.lastDecisions,
      jobs: submitter.jobs.values(),
      unreadable: new Map([
        ...intake.unreadable,
        ...unreadableFolders(watcher).map(
          ([rel, reason]) => [`inbox folder ${rel}`, { reason }] as const,
        ),
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
    void compilation.now().then(() => finished(outcome));
  };
  return {
    check,
    start() {
      started = true;
    },
  };
}
