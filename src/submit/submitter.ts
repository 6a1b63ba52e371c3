/**
 * Step 2: the submission queue. Batch input files are uploaded and their batches created
 * exactly once (submit-file.ts), a bounded number at a time (p-queue), with the API calls
 * spread over time (a second p-queue as a rate limiter), within the enqueued-token budget and
 * the cost cap (submission-plan.ts).
 *
 * State: the submission journal (what was asked of the API, per file) and the job files (where
 * each batch stands). A batch that failed with token_limit_exceeded puts its file back with a
 * capped exponential backoff, and the limit its message states becomes the model's budget.
 */
import { join } from 'node:path';
import PQueue from 'p-queue';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { openJobTracker, type JobTracker } from '../jobs/job-tracker.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { openJournal, readJournal, type Journal } from '../storage/journal.ts';
import type { RetryPolicy } from './api-retry.ts';
import type { BatchInputFile } from './batch-input-files.ts';
import { createCallRateLimit } from './call-rate-limit.ts';
import { effectiveLimits, onTokenLimit, readLearnedLimits } from './learned-limits.ts';
import { planSubmissions, type PlanDecision } from '../domain/submission-plan.ts';
import {
  applyRecord,
  foldRecords,
  type Submission,
  type SubmissionRecord,
} from '../jobs/submission-state.ts';
import type { CrashPoint } from './submit-file.ts';
import { runRound, type RoundDeps, type RoundResult } from './submit-round.ts';
import { holdWhilePaused, laterPause, type SubmitPause } from './submit-pause.ts';
import { openPauseFile, submitPausePath } from '../jobs/submit-pause-file.ts';
import { providerOfScenario } from '../providers/batch-api-for-provider.ts';

export type { RoundResult } from './submit-round.ts';

export interface SubmitterOptions {
  readonly api: BatchApi;
  readonly stateDir: string;
  readonly batchOutputDir: string;
  readonly config: Config;
  /** Time and waiting (the rate limit, retry delays, the settle window of reconciliation). */
  readonly clock: Clock;
  readonly log: Logger;
  readonly crashpoint?: ((at: CrashPoint) => void) | undefined;
  /** The job records; by default, a tracker of its own over `batchOutputDir`. */
  readonly tracker?: JobTracker | undefined;
}

/** Calls that each cost one request go through the rate limiter (a listing is counted once). */
function rateLimited(api: BatchApi, config: Config, clock: Clock): BatchApi {
  const calls = createCallRateLimit(config.submit.requests_per_minute, clock);
  return {
    ...api,
    uploadFile: (...a) => calls.run(() => api.uploadFile(...a)),
    createBatch: (...a) => calls.run(() => api.createBatch(...a)),
    deleteFile: (...a) => calls.run(() => api.deleteFile(...a)),
    retrieveBatch: (...a) => calls.run(() => api.retrieveBatch(...a)),
  };
}

/** Retries of one call: six attempts, a capped exponential backoff, each retry logged. */
function retryPolicy(config: Config, clock: Clock, log: Logger): RetryPolicy {
  return {
    attempts: 6,
    baseMs: config.submit.retry_base_ms,
    capMs: 60_000,
    sleep: (ms) => clock.sleep(ms),
    onRetry: (what, f, delay) =>
      log.warn(
        { status: f.status, requestId: f.requestId, delayMs: delay },
        `${what} failed (${f.message}); retrying`,
      ),
  };
}

export async function openSubmitter(options: SubmitterOptions) {
  const { config, log, clock } = options;
  const now = (): number => clock.now();
  const journalPath = join(options.stateDir, 'submissions.jsonl');
  const limitsPath = join(options.stateDir, 'learned-limits.json');
  const submissions: Map<string, Submission> = foldRecords(
    await readJournal<SubmissionRecord>(journalPath),
  );
  const learned = { current: await readLearnedLimits(limitsPath) };
  const journal: Journal<SubmissionRecord> = await openJournal(journalPath);
  const api = rateLimited(options.api, config, clock);
  // The job records are the tracker's; the submitter reads them and adds the ones it creates.
  const tracker =
    options.tracker ??
    (await openJobTracker({
      api,
      batchOutputDir: options.batchOutputDir,
      prices: config.prices,
      now,
      log,
    }));
  const saveJob = (job: JobRecord): Promise<void> =>
    tracker.save({ ...job, provider: job.provider ?? providerOfScenario(config, job.scenario) });
  const record = async (r: SubmissionRecord): Promise<Submission> => {
    await journal.append(r);
    const s = applyRecord(submissions.get(r.sha256), r);
    submissions.set(r.sha256, s);
    return s;
  };
  const limits = (): Map<string, number> => effectiveLimits(learned.current, config);
  const tokenLimit = { config, log, now, limitsPath, learned, submissions, record, saveJob };
  // A batch that failed on the enqueued-token limit: its file goes back in line.
  tracker.onChange(async (job) => {
    if (job.status === 'failed' && job.errors?.some((e) => e.code === 'token_limit_exceeded')) {
      await onTokenLimit(tokenLimit, job);
    }
  });
  const round: RoundDeps = {
    config,
    log,
    clock,
    api,
    policy: retryPolicy(config, clock, log),
    tasks: new PQueue({ concurrency: config.submit.concurrency }),
    submissions,
    jobs: tracker.jobs,
    inFlight: new Set<string>(),
    record,
    saveJob,
    crashpoint: options.crashpoint,
  };
  // Set when the API asks to wait longer than retries do (submit-pause.ts); kept across restarts.
  const pauseFile = await openPauseFile(submitPausePath(options.stateDir), { now, log });
  let pause: SubmitPause | undefined = pauseFile.current;
  if (pause !== undefined) {
    log.warn(
      `${pause.reason}: no file is submitted before ${new Date(pause.until).toISOString()} (kept from before)`,
    );
  }
  const plan = (files: readonly BatchInputFile[]): PlanDecision[] =>
    holdWhilePaused(
      planSubmissions({
        files,
        submissions,
        jobs: tracker.jobs,
        limits: limits(),
        prices: config.prices,
        maxCostUsd: config.limits.max_cost_usd,
        outputTokens: config.estimate.output_tokens,
        inFlight: round.inFlight,
        now: now(),
      }),
      pause,
      now(),
    );

  return {
    submissions: submissions as ReadonlyMap<string, Submission>,
    jobs: tracker.jobs,
    tracker,
    limits,
    plan,
    /** The submission pause kept, if any (it may have passed: compare `until` with the clock). */
    get pause(): SubmitPause | undefined {
      return pause;
    },
    /**
     * Plans, then submits what may be submitted now (submit-round.ts); resolves when those are
     * done, rejects with the signal's reason once it is aborted.
     */
    async submitRound(
      files: readonly BatchInputFile[],
      signal?: AbortSignal,
    ): Promise<RoundResult> {
      const result = await runRound(round, plan(files), signal);
      pause = await pauseFile.keep(laterPause(pause, result.pause));
      return result;
    },
    async close(): Promise<void> {
      await round.tasks.onIdle();
      await journal.close();
    },
  };
}

export type Submitter = Awaited<ReturnType<typeof openSubmitter>>;
