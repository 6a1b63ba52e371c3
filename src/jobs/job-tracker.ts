/**
 * The job tracker owns the job records (`4.batch_output/[<repo>/]batch_job_<id>.json`): it
 * reads them at start, saves them, and refreshes the unfinished ones from the API (one listing,
 * or a retrieve per job when fewer), with their cost once the usage is known. Whoever must act
 * on a change (the submitter, on a batch that hit the enqueued-token limit) listens to it.
 */
import type { Config } from '../config/schema.ts';
import { isTerminal } from '../domain/batch-status.ts';
import { costUsd, priceFor } from '../domain/cost.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { changedBy, withRemote, type JobRecord } from './job-record.ts';
import { readJobs, writeJob } from './job-store.ts';
import { fetchBatches } from './refresh-jobs.ts';
import type { Logger } from '../log/logger.ts';
import { markedUnknown, unknownWarning } from './unknown-batch.ts';

export interface JobTracker {
  readonly jobs: ReadonlyMap<string, JobRecord>;
  /** Keeps `job` (in memory and in its file). */
  save(job: JobRecord): Promise<void>;
  /** Brings the unfinished jobs up to date; returns those that changed, after the listeners. */
  refresh(): Promise<JobRecord[]>;
  /** `listener` runs on each job changed by a refresh, in turn, after it is saved. */
  onChange(listener: (job: JobRecord) => Promise<void>): void;
}

export async function openJobTracker(options: {
  readonly api: BatchApi;
  readonly batchOutputDir: string;
  readonly prices: Config['prices'];
  readonly now: () => number;
  /** Says when the API does not know a batch (unknown-batch.ts). */
  readonly log?: Logger | undefined;
}): Promise<JobTracker> {
  const jobs = await readJobs(options.batchOutputDir);
  const listeners: ((job: JobRecord) => Promise<void>)[] = [];
  // Every job saved with its usage has its cost: one refreshed here, and one the submitter
  // adopts already ended (found after a lost create answer, with the usage the API reports).
  const save = async (job: JobRecord): Promise<void> => {
    const priced = withCost(job, options.prices);
    jobs.set(priced.batch_id, priced);
    await writeJob(options.batchOutputDir, priced);
  };
  return {
    jobs,
    save,
    onChange(listener) {
      listeners.push(listener);
    },
    async refresh() {
      const active = [...jobs.values()].filter((j) => !isTerminal(j.status));
      const unknown = new Map<string, string>();
      const remote = await fetchBatches(
        options.api,
        active.map((j) => ({ id: j.batch_id, createdAt: j.timestamps.created_at })),
        undefined,
        unknown,
      );
      const changed: JobRecord[] = [];
      for (const job of active) {
        const why = unknown.get(job.batch_id);
        if (why !== undefined && job.unknown_to_api == null) {
          const marked = markedUnknown(job, why, options.now());
          options.log?.warn({ batchId: job.batch_id }, unknownWarning(marked));
          await save(marked);
        }
        const b = remote.get(job.batch_id);
        const known = job.unknown_to_api == null ? {} : { unknown_to_api: null };
        if (b === undefined || (!changedBy(job, b) && job.unknown_to_api == null)) continue;
        await save({ ...withRemote(job, b, options.now()), ...known });
        const updated = jobs.get(job.batch_id)!;
        changed.push(updated);
        for (const listener of listeners) await listener(updated);
      }
      return changed;
    },
  };
}

/** The job with the cost of its usage, at the configured price of its model (when both are known). */
export function withCost(job: JobRecord, prices: Config['prices']): JobRecord {
  if (job.usage === null || job.model === null) return job;
  const price = priceFor(job.model, prices);
  if (price === undefined) return job;
  const cost = costUsd(
    price,
    job.usage.input_tokens,
    job.usage.output_tokens,
    job.usage.input_tokens_details?.cached_tokens ?? 0,
  );
  return cost === job.cost_usd ? job : { ...job, cost_usd: cost };
}
