/**
 * What the daemon's steps run on, opened in order, each registering its releaser: the metrics,
 * the API port (observed, and bound to the daemon's stop signal), the intake log, the helper
 * thread, the submitter, the poller and the intake step.
 */
import { holdingPause, type PauseLike } from '../domain/submit-pause.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import { renewedHelpers, type ConvertHelpers } from '../convert/helper-thread-client.ts';
import { errorMessage } from '../errors.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import { tokenCounters } from '../domain/token-counter.ts';
import { openIntakeLog } from '../intake/intake-log.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import type { Releasers } from '../lifecycle/releasers.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { observedApi } from '../openai/observed-api.ts';
import { withSignal } from '../openai/with-signal.ts';
import { openPoller } from '../poll/poller.ts';
import { openSubmitter } from '../submit/submitter.ts';
import type { DaemonStanding } from './daemon-steps.ts';
import { createIntakeStep } from './intake-step.ts';
import { createDuplicateStoreKeeper } from '../convert/duplicate-store-keeper.ts';
import { createMetrics } from './metrics.ts';

/** Gauges read by the metrics, set once what they measure exists. */
export interface DaemonGauges {
  queueDepth: () => number;
  inboxWaiting: () => number;
}

export interface DaemonServicesDeps {
  readonly config: Config;
  readonly paths: DataPaths;
  readonly log: Logger;
  readonly api: BatchApi;
  readonly helpers: () => ConvertHelpers;
  readonly clock: Clock;
  /** Aborted at the stop deadline. */
  readonly signal: AbortSignal;
  readonly standing: DaemonStanding;
  readonly releasers: Pick<Releasers, 'add'>;
}

export async function openDaemonServices(deps: DaemonServicesDeps) {
  const { config, paths, log, clock, releasers } = deps;
  const now = (): number => clock.now();
  const gauges: DaemonGauges = { queueDepth: () => 0, inboxWaiting: () => 0 };
  let jobs = (): Iterable<JobRecord> => [];
  let limits = (): ReadonlyMap<string, number> => new Map();
  let submitPause = (): PauseLike | undefined => undefined;
  const metrics = createMetrics({
    jobs: () => jobs(),
    limits: () => limits(),
    queueDepth: () => gauges.queueDepth(),
    inboxWaiting: () => gauges.inboxWaiting(),
    problems: () => deps.standing.problems,
    submitPausedUntil: () => holdingPause(submitPause(), now())?.until,
  });
  const api = withSignal(
    observedApi(deps.api, (kind) => metrics.apiErrors.inc({ kind })),
    deps.signal,
  );

  const intakeLog = await openIntakeLog(paths.state);
  releasers.add(() => intakeLog.close());
  const helpers = renewedHelpers(deps.helpers, (why) =>
    log.warn(
      { err: why },
      `the conversion's helper thread stopped (${errorMessage(why)}); a new one is started`,
    ),
  );
  releasers.add(() => helpers.close());
  const submitter = await openSubmitter({
    api,
    stateDir: paths.state,
    batchOutputDir: paths.batchOutput,
    config,
    // Waits between retries end at the stop deadline too.
    clock: { now, sleep: (ms, signal) => clock.sleep(ms, signal ?? deps.signal) },
    log: log.child({ component: 'submit' }),
  });
  releasers.add(() => submitter.close());
  jobs = () => submitter.jobs.values();
  limits = () => submitter.limits();
  submitPause = () => submitter.pause;
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
  // With dedup, the store is not read again at each intake run (closed when idle, and here).
  const duplicateStoreKeeper = createDuplicateStoreKeeper();
  releasers.add(() => duplicateStoreKeeper.close());
  const intake = createIntakeStep({
    paths,
    config,
    helpers: () => helpers.current(),
    intakeLog,
    log: log.child({ component: 'convert' }),
    now,
    duplicateStoreKeeper,
  });
  return { gauges, metrics, api, intakeLog, submitter, poller, intake, counterFor };
}

export type DaemonServices = Awaited<ReturnType<typeof openDaemonServices>>;
