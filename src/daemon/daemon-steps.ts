/**
 * The daemon's three steps (take inbox files, submit, poll: the submit step's work is
 * submit-step.ts, shared with `slicebatch submit`) as units: each made from its
 * dependencies, each run by the step queue with the daemon's stop signal. What they learn (the
 * last poll, the last plan, failures in a row, problems for a person) goes into the daemon's
 * standing, read by the heartbeat, the health check and `--once`.
 */
import { ApiError } from '../errors.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import type { Heartbeat } from '../domain/heartbeat.ts';
import type { Poller } from '../poll/poller.ts';
import { describeWaiting } from '../domain/submission-plan.ts';
import type { PlanDecision } from '../domain/submission-plan.ts';
import type { Submitter } from '../submit/submitter.ts';
import type { IntakeStep } from './intake-step.ts';
import type { createMetrics } from './metrics.ts';
import { createSubmitStep } from './submit-step.ts';
import type { StepName } from './work-queue.ts';

/** What the steps have learnt so far. */
export interface DaemonStanding {
  lastPoll: Heartbeat['last_poll'];
  /** Poll ticks in a row that failed (the tick, or its refresh from the API). */
  pollFailures: number;
  /** The decisions of the latest submission round, undefined before the first. */
  lastDecisions: readonly PlanDecision[] | undefined;
  /** The API refused the key. */
  authError: string | undefined;
  /** The account's quota is exhausted (429 insufficient_quota). */
  quotaError: string | undefined;
  /** What needs a person, by topic (`auth`, `quota`, `submit`). */
  readonly problems: Map<string, string>;
  /** Batch input files whose submission failed in a row this often. */
  readonly submitFailures: Map<string, number>;
  /** Poll ticks in a row in which the results of a batch could not be downloaded. */
  readonly downloadFailures: Map<string, number>;
}

export function createStanding(): DaemonStanding {
  return {
    lastPoll: null,
    pollFailures: 0,
    lastDecisions: undefined,
    authError: undefined,
    quotaError: undefined,
    problems: new Map(),
    submitFailures: new Map(),
    downloadFailures: new Map(),
  };
}

const QUOTA_PROBLEM =
  "the API says the account's quota is exhausted (insufficient_quota or billing_hard_limit_reached): submission stopped; check the plan and billing";

/** A refused key or an exhausted quota, from any failed call, is a problem for a person. */
export function noteApiError(standing: DaemonStanding, err: unknown): void {
  const failure = err instanceof ApiError ? err.failure : undefined;
  if (failure?.kind === 'auth') {
    standing.authError = failure.message;
    standing.problems.set(
      'auth',
      `the API refused the key (${failure.status ?? 401}): check OPENAI_API_KEY / api_key`,
    );
  }
  if (failure?.kind === 'quota') {
    standing.quotaError = failure.message;
    standing.problems.set('quota', QUOTA_PROBLEM);
  }
}

export interface DaemonStepDeps {
  readonly paths: DataPaths;
  readonly submitter: Submitter;
  readonly poller: Poller;
  readonly intake: IntakeStep;
  readonly metrics: ReturnType<typeof createMetrics>;
  readonly standing: DaemonStanding;
  readonly now: () => number;
  /** Asks the step queue for a step (after the running one). */
  readonly request: (step: StepName) => void;
  /** Asks for a step after `ms` (replacing an earlier such wait). */
  readonly requestLater: (step: StepName, ms: number) => void;
  /** Results came: compile soon. */
  readonly compileSoon: () => void;
  /** Work of the poll step after its tick (a reviewer's resends). */
  readonly afterPoll?: (() => Promise<void>) | undefined;
}

export function createDaemonSteps(
  deps: DaemonStepDeps,
): Record<StepName, (signal: AbortSignal) => Promise<void>> {
  const { paths, submitter, poller, intake, metrics, standing, now } = deps;

  const submitRound = createSubmitStep({
    paths,
    submitter,
    now,
    writeRound: 'when-something-happened',
  });
  const submit = async (signal: AbortSignal): Promise<void> => {
    const { round } = await submitRound(signal);
    standing.lastDecisions = round.decisions;
    metrics.submitted.inc(round.submitted.length);
    const failures = standing.submitFailures;
    for (const f of round.failed) failures.set(f.file, (failures.get(f.file) ?? 0) + 1);
    for (const j of round.submitted) failures.delete(j.batch_file);
    if (round.authError !== undefined) {
      standing.authError = round.authError;
      standing.problems.set(
        'auth',
        `the API refused the key (401): check OPENAI_API_KEY / api_key`,
      );
    } else {
      standing.problems.delete('auth');
    }
    if (round.quotaError !== undefined) {
      standing.quotaError = round.quotaError;
      standing.problems.set('quota', QUOTA_PROBLEM);
    } else if (round.submitted.length > 0) {
      standing.quotaError = undefined;
      standing.problems.delete('quota');
    }
    const capped = round.decisions.flatMap((d) =>
      d.kind === 'cost_cap' || d.kind === 'too_large'
        ? [`${d.file.display} ${describeWaiting(d)}`]
        : [],
    );
    if (capped.length > 0) standing.problems.set('submit', capped.join('; '));
    else standing.problems.delete('submit');
  };

  const poll = async (): Promise<void> => {
    const started = now();
    try {
      const tick = await poller.tick();
      const failed = tick.refreshFailure;
      // A refresh that failed (logged by the poller) counts as a failed poll step.
      standing.pollFailures = failed === undefined ? 0 : standing.pollFailures + 1;
      standing.lastPoll = {
        ended_at: now(),
        ok: failed === undefined,
        duration_ms: tick.durationMs,
        failures: standing.pollFailures,
      };
      if (failed !== undefined) {
        noteApiError(standing, failed);
        metrics.stepFailures.inc({ step: 'poll' });
      }
      metrics.pollDuration.observe(tick.durationMs / 1000);
      const failures = standing.downloadFailures;
      for (const job of submitter.jobs.values()) {
        if (job.done || job.download_error === null) failures.delete(job.batch_id);
        else failures.set(job.batch_id, (failures.get(job.batch_id) ?? 0) + 1);
      }
      if (tick.handled > 0) deps.compileSoon();
      await deps.afterPoll?.();
    } catch (err) {
      standing.pollFailures++;
      standing.lastPoll = {
        ended_at: now(),
        ok: false,
        duration_ms: now() - started,
        failures: standing.pollFailures,
      };
      noteApiError(standing, err);
      throw err;
    } finally {
      // Retries written by the tick, files back from a token-limit backoff, budget freed.
      deps.request('submit');
    }
  };

  let unsubmittedOutputs = false;
  const take = async (): Promise<void> => {
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
      deps.requestLater('intake', trouble.retryAt - now());
    } else if (intake.pending > 0) {
      deps.request('intake');
    } else if (unsubmittedOutputs) {
      unsubmittedOutputs = false;
      deps.request('submit');
    }
  };

  return { intake: take, submit, poll };
}
