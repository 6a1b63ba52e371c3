/**
 * One submission round of the submitter (submitter.ts): the plan's files to submit now go to
 * the task queue, each uploaded and created exactly once (submit-file.ts); a refused key or an
 * exhausted quota stops the round, a permanent failure is journaled (and its unused upload
 * deleted), a transient one is tried again at a later round; an answer asking to wait longer
 * than retries do (an hour's limit on creations) pauses submission until then (submit-pause.ts).
 */
import type PQueue from 'p-queue';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import { ApiError, errorMessage } from '../errors.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import type { Submission, SubmissionRecord } from '../jobs/submission-state.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import type { RetryPolicy } from './api-retry.ts';
import { endpointOfFile } from './batch-input-files.ts';
import { estimateFileCost, type PlanDecision } from '../domain/submission-plan.ts';
import { newJob, submitFile, type CrashPoint } from './submit-file.ts';
import { holdWhilePaused, laterPause, pauseOf, type SubmitPause } from './submit-pause.ts';

/** How the API said the account cannot pay: `429 insufficient_quota`, ... */
function quotaCode(err: unknown): string {
  const f = err instanceof ApiError ? err.failure : undefined;
  return [f?.status ?? 429, f?.code ?? 'insufficient_quota'].join(' ');
}

/** The one log line of a round the API paused. */
function pausedMessage(pause: SubmitPause): string {
  return `${pause.reason}: no file is submitted before ${new Date(pause.until).toISOString()}; the files left wait`;
}

export interface RoundResult {
  readonly decisions: PlanDecision[];
  readonly submitted: JobRecord[];
  readonly failed: { file: string; error: string; permanent: boolean }[];
  /** A 401: the key was refused and submission stopped. */
  readonly authError: string | undefined;
  /** A 429 insufficient_quota: the account cannot pay; submission stopped. */
  readonly quotaError: string | undefined;
  /** The API asked to wait longer than retries do: nothing submitted before then. */
  readonly pause?: SubmitPause | undefined;
}

/** What a round runs on: the submitter's state and its ports. */
export interface RoundDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly clock: Clock;
  readonly api: BatchApi;
  readonly policy: RetryPolicy;
  readonly tasks: PQueue;
  readonly submissions: ReadonlyMap<string, Submission>;
  readonly jobs: ReadonlyMap<string, JobRecord>;
  readonly inFlight: Set<string>;
  readonly record: (r: SubmissionRecord) => Promise<Submission>;
  readonly saveJob: (job: JobRecord) => Promise<void>;
  readonly crashpoint?: ((at: CrashPoint) => void) | undefined;
}

type Submit = Extract<PlanDecision, { kind: 'submit' }>;

/** What a failed submission means: the round stops, or the file failed (for now or for good). */
export type FailureMeaning = 'stopped' | 'auth' | 'quota' | 'permanent' | 'transient';

export function meaningOf(err: unknown, aborted: boolean): FailureMeaning {
  if (aborted) return 'stopped';
  const kind = err instanceof ApiError ? err.kind : undefined;
  if (kind === 'auth' || kind === 'quota' || kind === 'permanent') return kind;
  return 'transient';
}

/** A crash right after a batch was recorded can leave it without its job file. */
export async function writeMissingJobs(
  deps: RoundDeps,
  decisions: readonly PlanDecision[],
): Promise<void> {
  const { config } = deps;
  for (const d of decisions) {
    if (d.kind !== 'done' || deps.jobs.has(d.batchId)) continue;
    const s = deps.submissions.get(d.file.manifest.sha256);
    const batch = await deps.api.retrieveBatch(d.batchId);
    const cost = estimateFileCost(d.file, config.prices, config.estimate.output_tokens);
    await deps.saveJob(newJob(d.file, batch, s?.attempt ?? 1, cost, deps.clock.now()));
    deps.log.info(
      { batchId: d.batchId, file: d.file.display },
      `wrote the missing job file of ${d.batchId}`,
    );
  }
}

/** Uploads a file and creates its batch, exactly once. */
async function submitOne(deps: RoundDeps, d: Submit): Promise<JobRecord> {
  const { config } = deps;
  const job = await submitFile(
    d.file,
    deps.submissions.get(d.file.manifest.sha256),
    d.estimatedCostUsd,
    {
      api: deps.api,
      policy: deps.policy,
      clock: deps.clock,
      settleMs: config.submit.reconcile_settle_ms,
      record: deps.record,
      writeJob: deps.saveJob,
      endpoint: await endpointOfFile(d.file.path),
      fileReadyGraceMs: config.submit.file_ready_grace_ms,
      inputExpiresAfterS: config.submit.input_expires_after_s,
      outputExpiresAfterS: config.submit.output_expires_after_s,
      crashpoint: deps.crashpoint,
    },
  );
  deps.log.info(
    {
      file: d.file.display,
      batchId: job.batch_id,
      requests: job.requests,
      promptTokens: job.prompt_tokens,
    },
    `submitted ${d.file.display} as batch ${job.batch_id} (${job.requests} requests)`,
  );
  return job;
}

/** A permanent failure: journaled, and its upload (never to be used) deleted. */
async function failForGood(deps: RoundDeps, d: Submit, err: unknown): Promise<void> {
  const sha = d.file.manifest.sha256;
  const s = deps.submissions.get(sha);
  const now = (): number => deps.clock.now();
  await deps.record({
    t: 'failed',
    sha256: sha,
    file: d.file.display,
    attempt: s?.attempt ?? 1,
    reason: errorMessage(err),
    at: now(),
  });
  if (s?.fileId !== undefined && s.batchIds.length === 0) {
    await deps.api.deleteFile(s.fileId).catch(() => undefined);
    await deps.record({ t: 'file_deleted', sha256: sha, file_id: s.fileId, at: now() });
  }
}

interface RoundSoFar {
  readonly submitted: JobRecord[];
  readonly failed: RoundResult['failed'];
  authError: string | undefined;
  quotaError: string | undefined;
  pause?: SubmitPause | undefined;
}

/** A failed submission: stops the round (abort, 401, quota) or counts as the file's failure. */
async function onFailure(
  deps: RoundDeps,
  d: Submit,
  err: unknown,
  so: RoundSoFar,
  signal: AbortSignal | undefined,
): Promise<void> {
  const meaning = meaningOf(err, signal?.aborted === true);
  const pause = pauseOf(err, deps.policy.capMs, deps.clock.now());
  if (pause !== undefined && meaning === 'transient') {
    if (so.pause === undefined) deps.log.warn({ err, file: d.file.display }, pausedMessage(pause));
    so.pause = laterPause(so.pause, pause);
    deps.tasks.clear();
    return;
  }
  if (meaning === 'stopped' || meaning === 'auth' || meaning === 'quota') {
    if (meaning === 'auth') so.authError ??= errorMessage(err);
    if (meaning === 'quota') {
      so.quotaError ??= errorMessage(err);
      deps.log.error(
        { err, file: d.file.display },
        `the API says the account's quota is exhausted (${quotaCode(err)}): submission stopped until billing changes`,
      );
    }
    deps.tasks.clear();
    return;
  }
  const permanent = meaning === 'permanent';
  if (permanent) await failForGood(deps, d, err);
  so.failed.push({ file: d.file.display, error: errorMessage(err), permanent });
  deps.log.error(
    { err, file: d.file.display },
    `could not submit ${d.file.display}${permanent ? '' : ' (will be tried again)'}`,
  );
}

/**
 * Submits the plan's files to submit now; resolves when those are done. Once `signal` is
 * aborted (the stop deadline), nothing more is started and the round rejects with its reason:
 * an aborted call is not a failed submission (the next start resumes it).
 */
export async function runRound(
  deps: RoundDeps,
  decisions: PlanDecision[],
  signal?: AbortSignal,
): Promise<RoundResult> {
  await writeMissingJobs(deps, decisions);
  const so: RoundSoFar = { submitted: [], failed: [], authError: undefined, quotaError: undefined };
  const started: string[] = [];
  for (const d of decisions) {
    if (d.kind !== 'submit') continue;
    const sha = d.file.manifest.sha256;
    deps.inFlight.add(sha);
    started.push(sha);
    void deps.tasks.add(async () => {
      if (so.authError !== undefined || so.quotaError !== undefined || so.pause) return;
      try {
        so.submitted.push(await submitOne(deps, d));
      } catch (err) {
        await onFailure(deps, d, err, so, signal);
      } finally {
        deps.inFlight.delete(sha);
      }
    });
  }
  await deps.tasks.onIdle();
  // Tasks dropped by a stop (401, insufficient_quota) never ran: their files are free again.
  for (const sha of started) deps.inFlight.delete(sha);
  signal?.throwIfAborted();
  // Files left by a pause wait for it (the round report says until when and why).
  const sent = new Set(so.submitted.map((j) => j.input_sha256));
  return { ...so, decisions: holdWhilePaused(decisions, so.pause, deps.clock.now(), sent) };
}
