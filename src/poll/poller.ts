/**
 * Step 3: the poll tick. One paginated listing (or a retrieve per job when fewer) updates every
 * job file that changed; each batch that has ended is then handled once (handle-ended-job.ts):
 * results downloaded, fates in the ledger, retries written for the submission queue. Ticks
 * never overlap: a tick asked for while one runs shares it. The daemon runs it on
 * `poll_schedule`. A refresh failing after the SDK's retries does not end the tick
 * (refresh-or-report.ts): it is logged and reported in the summary, and the next tick tries
 * again.
 */
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { tokenCounters, type EncodingName, type TokenCounter } from '../domain/token-counter.ts';
import type { DataPaths } from '../domain/data-paths.ts';
import { isTerminal } from '../domain/batch-status.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { openJournal } from '../storage/journal.ts';
import type { JobTracker } from '../jobs/job-tracker.ts';
import { handleEndedJob } from './handle-ended-job.ts';
import { refreshOrReport } from './refresh-or-report.ts';
import type { ApiError } from '../errors.ts';
import { LEDGER_FILE, type LedgerRecord } from '../domain/ledger.ts';

export interface TickSummary {
  /** Job files updated from the API. */
  readonly changed: number;
  /** Batches handled to the end this tick. */
  readonly handled: number;
  /** Ended batches whose results could not be downloaded yet. */
  readonly pending: number;
  readonly durationMs: number;
  /** The refresh from the API failed (logged; the next tick tries again): refresh-or-report.ts. */
  readonly refreshFailure?: ApiError;
}

export interface PollerOptions {
  /** The job records and their refresh. */
  readonly jobs: JobTracker;
  readonly api: BatchApi;
  readonly paths: DataPaths;
  readonly config: Config;
  readonly log: Logger;
  readonly now: () => number;
  readonly counterFor?: (encoding: EncodingName) => Promise<TokenCounter>;
}

export async function openPoller(options: PollerOptions) {
  const { jobs, log, now, paths } = options;
  const ledger = await openJournal<LedgerRecord>(join(paths.state, LEDGER_FILE));
  const counterFor = options.counterFor ?? tokenCounters();
  let running: Promise<TickSummary> | undefined;

  const runTick = async (): Promise<TickSummary> => {
    const started = now();
    const { changed, failure } = await refreshOrReport(jobs, log);
    let handled = 0;
    let pending = 0;
    for (const job of [...jobs.jobs.values()]) {
      if (!isTerminal(job.status) || job.done) continue;
      const updated = await handleEndedJob(job, {
        api: options.api,
        ledger,
        config: options.config,
        dataDir: paths.dataDir,
        batchInputDir: paths.batchInput,
        batchOutputDir: paths.batchOutput,
        now,
        log,
        counterFor,
      });
      await jobs.save(updated);
      if (updated.done) handled++;
      else pending++;
    }
    const durationMs = now() - started;
    const summary = { changed: changed.length, handled, pending, durationMs };
    return failure === undefined ? summary : { ...summary, refreshFailure: failure };
  };

  const poller = {
    /** One tick; a tick asked for while one runs shares it. */
    tick(): Promise<TickSummary> {
      running ??= runTick().finally(() => {
        running = undefined;
      });
      return running;
    },

    async close(): Promise<void> {
      await running?.catch(() => undefined);
      await ledger.close();
    },
  };
  return poller;
}

export type Poller = Awaited<ReturnType<typeof openPoller>>;
