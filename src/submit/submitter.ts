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
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import PQueue from 'p-queue';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import { ApiError, errorMessage } from '../errors.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { openJobTracker, type JobTracker } from '../jobs/job-tracker.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { writeJsonAtomic } from '../storage/atomic-file.ts';
import { openJournal, readJournal, type Journal } from '../storage/journal.ts';
import type { RetryPolicy } from './api-retry.ts';
import { endpointOfFile, type BatchInputFile } from './batch-input-files.ts';
import { createCallRateLimit } from './call-rate-limit.ts';
import { backoffMs, budgetModel, limitFromMessage } from './enqueued-token-budget.ts';
import { estimateFileCost, planSubmissions, type PlanDecision } from './submission-plan.ts';
import {
  applyRecord,
  foldRecords,
  type Submission,
  type SubmissionRecord,
} from '../jobs/submission-state.ts';
import { newJob, submitFile, type CrashPoint } from './submit-file.ts';
import { providerOfScenario } from '../providers/batch-api-for-provider.ts';

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

export interface RoundResult {
  readonly decisions: PlanDecision[];
  readonly submitted: JobRecord[];
  readonly failed: { file: string; error: string; permanent: boolean }[];
  /** A 401: the key was refused and submission stopped. */
  readonly authError: string | undefined;
  /** A 429 insufficient_quota: the account cannot pay; submission stopped. */
  readonly quotaError: string | undefined;
}

export async function openSubmitter(options: SubmitterOptions) {
  const { api, config, log, clock } = options;
  const now = (): number => clock.now();
  const journalPath = join(options.stateDir, 'submissions.jsonl');
  const limitsPath = join(options.stateDir, 'learned-limits.json');
  const submissions: Map<string, Submission> = foldRecords(
    await readJournal<SubmissionRecord>(journalPath),
  );
  let learned: Record<string, number> = {};
  try {
    learned = JSON.parse(await readFile(limitsPath, 'utf8')) as Record<string, number>;
  } catch {
    learned = {};
  }
  const journal: Journal<SubmissionRecord> = await openJournal(journalPath);
  const calls = createCallRateLimit(config.submit.requests_per_minute, clock);
  // Calls that each cost one request go through the rate limiter (a listing is counted once).
  const limitedApi: BatchApi = {
    ...api,
    uploadFile: (...a) => calls.run(() => api.uploadFile(...a)),
    createBatch: (...a) => calls.run(() => api.createBatch(...a)),
    deleteFile: (...a) => calls.run(() => api.deleteFile(...a)),
    retrieveBatch: (...a) => calls.run(() => api.retrieveBatch(...a)),
  };
  // The job records are the tracker's; the submitter reads them and adds the ones it creates.
  const tracker =
    options.tracker ??
    (await openJobTracker({
      api: limitedApi,
      batchOutputDir: options.batchOutputDir,
      prices: config.prices,
      now,
    }));
  const jobs = tracker.jobs;
  const saveJob = (job: JobRecord): Promise<void> =>
    tracker.save({ ...job, provider: job.provider ?? providerOfScenario(config, job.scenario) });
  const policy: RetryPolicy = {
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
  const inFlight = new Set<string>();

  const record = async (r: SubmissionRecord): Promise<Submission> => {
    await journal.append(r);
    const s = applyRecord(submissions.get(r.sha256), r);
    submissions.set(r.sha256, s);
    return s;
  };

  const limits = (): Map<string, number> => {
    const m = new Map<string, number>(Object.entries(learned));
    for (const [model, n] of Object.entries(config.limits.enqueued_tokens ?? {})) m.set(model, n);
    // A limit learned under a snapshot name (before job files kept the alias) counts for its alias.
    for (const [model, n] of [...m]) {
      const alias = budgetModel(model, [
        config.model,
        ...Object.keys(config.prices),
        ...Object.keys(config.limits.enqueued_tokens ?? {}),
      ]);
      if (alias !== model) {
        m.delete(model);
        if (!m.has(alias)) m.set(alias, n);
      }
    }
    return m;
  };

  /** A batch that failed because the enqueued-token limit was reached goes back in line. */
  const onTokenLimit = async (job: JobRecord): Promise<void> => {
    const s = submissions.get(job.input_sha256);
    const error = job.errors?.find((e) => e.code === 'token_limit_exceeded');
    const stated = limitFromMessage(error?.message);
    if (stated !== undefined && job.model !== null && learned[job.model] !== stated) {
      learned = { ...learned, [job.model]: stated };
      await writeJsonAtomic(limitsPath, learned);
      log.info(
        { model: job.model, limit: stated },
        `learned the enqueued-token limit of ${job.model}: ${stated}`,
      );
    }
    if (
      s !== undefined &&
      s.phase === 'submitted' &&
      s.batchIds[s.batchIds.length - 1] === job.batch_id
    ) {
      const delay = backoffMs(
        s.attempt,
        config.submit.requeue_base_ms,
        config.submit.requeue_cap_ms,
      );
      await record({
        t: 'requeued',
        sha256: s.sha256,
        file: s.file,
        attempt: s.attempt + 1,
        reason: 'token_limit_exceeded',
        not_before: now() + delay,
        at: now(),
      });
      log.info(
        { batchId: job.batch_id, file: s.file, delayMs: delay },
        `batch ${job.batch_id} hit the enqueued-token limit; ${s.file} goes back in line`,
      );
    }
    await saveJob({ ...job, done: true });
  };

  // A batch that failed on the enqueued-token limit: its file goes back in line.
  tracker.onChange(async (job) => {
    if (job.status === 'failed' && job.errors?.some((e) => e.code === 'token_limit_exceeded')) {
      await onTokenLimit(job);
    }
  });

  const plan = (files: readonly BatchInputFile[]): PlanDecision[] =>
    planSubmissions({
      files,
      submissions,
      jobs,
      limits: limits(),
      prices: config.prices,
      maxCostUsd: config.limits.max_cost_usd,
      outputTokens: config.estimate.output_tokens,
      inFlight,
      now: now(),
    });

  const tasks = new PQueue({ concurrency: config.submit.concurrency });

  /** A crash right after a batch was recorded can leave it without its job file. */
  const writeMissingJobs = async (decisions: readonly PlanDecision[]): Promise<void> => {
    for (const d of decisions) {
      if (d.kind !== 'done' || jobs.has(d.batchId)) continue;
      const s = submissions.get(d.file.manifest.sha256);
      const batch = await limitedApi.retrieveBatch(d.batchId);
      const cost = estimateFileCost(d.file, config.prices, config.estimate.output_tokens);
      await saveJob(newJob(d.file, batch, s?.attempt ?? 1, cost, now()));
      log.info(
        { batchId: d.batchId, file: d.file.display },
        `wrote the missing job file of ${d.batchId}`,
      );
    }
  };

  /**
   * Plans, then submits what may be submitted now; resolves when those are done. Once `signal`
   * is aborted (the stop deadline), nothing more is started and the round rejects with its
   * reason: an aborted call is not a failed submission (the next start resumes it).
   */
  const submitRound = async (
    files: readonly BatchInputFile[],
    signal?: AbortSignal,
  ): Promise<RoundResult> => {
    const decisions = plan(files);
    await writeMissingJobs(decisions);
    const submitted: JobRecord[] = [];
    const failed: RoundResult['failed'] = [];
    let authError: string | undefined;
    let quotaError: string | undefined;
    const started: string[] = [];
    for (const d of decisions) {
      if (d.kind !== 'submit') continue;
      const sha = d.file.manifest.sha256;
      inFlight.add(sha);
      started.push(sha);
      void tasks.add(async () => {
        if (authError !== undefined || quotaError !== undefined) return;
        try {
          const job = await submitFile(d.file, submissions.get(sha), d.estimatedCostUsd, {
            api: limitedApi,
            policy,
            clock,
            settleMs: config.submit.reconcile_settle_ms,
            record,
            writeJob: saveJob,
            endpoint: await endpointOfFile(d.file.path),
            fileReadyGraceMs: config.submit.file_ready_grace_ms,
            inputExpiresAfterS: config.submit.input_expires_after_s,
            outputExpiresAfterS: config.submit.output_expires_after_s,
            crashpoint: options.crashpoint,
          });
          submitted.push(job);
          log.info(
            {
              file: d.file.display,
              batchId: job.batch_id,
              requests: job.requests,
              promptTokens: job.prompt_tokens,
            },
            `submitted ${d.file.display} as batch ${job.batch_id} (${job.requests} requests)`,
          );
        } catch (err) {
          if (signal?.aborted === true) {
            tasks.clear();
            return;
          }
          const failure = err instanceof ApiError ? err : undefined;
          if (failure?.kind === 'auth') {
            authError ??= errorMessage(err);
            tasks.clear();
            return;
          }
          if (failure?.kind === 'quota') {
            quotaError ??= errorMessage(err);
            log.error(
              { err, file: d.file.display },
              `the API says the account's quota is exhausted (429 insufficient_quota): submission stopped until billing changes`,
            );
            tasks.clear();
            return;
          }
          const permanent = failure?.kind === 'permanent';
          if (permanent) {
            const s = submissions.get(sha);
            await record({
              t: 'failed',
              sha256: sha,
              file: d.file.display,
              attempt: s?.attempt ?? 1,
              reason: errorMessage(err),
              at: now(),
            });
            // Its upload will never be used: delete it rather than leave it on the account.
            if (s?.fileId !== undefined && s.batchIds.length === 0) {
              await limitedApi.deleteFile(s.fileId).catch(() => undefined);
              await record({ t: 'file_deleted', sha256: sha, file_id: s.fileId, at: now() });
            }
          }
          failed.push({ file: d.file.display, error: errorMessage(err), permanent });
          log.error(
            { err, file: d.file.display },
            `could not submit ${d.file.display}${permanent ? '' : ' (will be tried again)'}`,
          );
        } finally {
          inFlight.delete(sha);
        }
      });
    }
    await tasks.onIdle();
    // Tasks dropped by a stop (401, insufficient_quota) never ran: their files are free again.
    for (const sha of started) inFlight.delete(sha);
    signal?.throwIfAborted();
    return { decisions, submitted, failed, authError, quotaError };
  };

  return {
    submissions: submissions as ReadonlyMap<string, Submission>,
    jobs,
    tracker,
    limits,
    plan,
    submitRound,
    async close(): Promise<void> {
      await tasks.onIdle();
      await journal.close();
    },
  };
}

export type Submitter = Awaited<ReturnType<typeof openSubmitter>>;
