/**
 * The enqueued-token limits the submitter plans with: the ones configured
 * (`limits.enqueued_tokens`) over the ones learned from token_limit_exceeded messages
 * (`learned-limits.json` in the state folder), each under its model's alias. A batch that hit
 * the limit teaches its model's limit and puts its file back in line with a capped backoff.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import type { Submission, SubmissionRecord } from '../jobs/submission-state.ts';
import type { Logger } from '../log/logger.ts';
import { writeJsonAtomic } from '../storage/atomic-file.ts';
import { backoffMs, budgetModel, limitFromMessage } from '../domain/enqueued-token-budget.ts';

/** The learned limits by model; none when the file is missing or unreadable. */
export async function readLearnedLimits(path: string): Promise<Record<string, number>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** The limits by model alias: the configured ones win over the learned ones. */
export function effectiveLimits(
  learned: Readonly<Record<string, number>>,
  config: Config,
): Map<string, number> {
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
}

export interface TokenLimitDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly now: () => number;
  readonly limitsPath: string;
  /** The learned limits, read and replaced. */
  readonly learned: { current: Record<string, number> };
  readonly submissions: ReadonlyMap<string, Submission>;
  readonly record: (r: SubmissionRecord) => Promise<Submission>;
  readonly saveJob: (job: JobRecord) => Promise<void>;
}

/** Learns the limit a token_limit_exceeded message states, when it is new. */
async function learnLimit(deps: TokenLimitDeps, job: JobRecord): Promise<void> {
  const error = job.errors?.find((e) => e.code === 'token_limit_exceeded');
  const stated = limitFromMessage(error?.message);
  const { learned } = deps;
  if (stated === undefined || job.model === null || learned.current[job.model] === stated) return;
  learned.current = { ...learned.current, [job.model]: stated };
  await writeJsonAtomic(deps.limitsPath, learned.current);
  deps.log.info(
    { model: job.model, limit: stated },
    `learned the enqueued-token limit of ${job.model}: ${stated}`,
  );
}

/** A batch that failed because the enqueued-token limit was reached goes back in line. */
export async function onTokenLimit(deps: TokenLimitDeps, job: JobRecord): Promise<void> {
  const { config, now } = deps;
  const s = deps.submissions.get(job.input_sha256);
  await learnLimit(deps, job);
  if (
    s !== undefined &&
    s.phase === 'submitted' &&
    s.batchIds[s.batchIds.length - 1] === job.batch_id
  ) {
    const delay = backoffMs(s.attempt, config.submit.requeue_base_ms, config.submit.requeue_cap_ms);
    await deps.record({
      t: 'requeued',
      sha256: s.sha256,
      file: s.file,
      attempt: s.attempt + 1,
      reason: 'token_limit_exceeded',
      not_before: now() + delay,
      at: now(),
    });
    deps.log.info(
      { batchId: job.batch_id, file: s.file, delayMs: delay },
      `batch ${job.batch_id} hit the enqueued-token limit; ${s.file} goes back in line`,
    );
  }
  await deps.saveJob({ ...job, done: true });
}
