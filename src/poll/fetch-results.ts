/**
 * The result files of an ended batch, downloaded and verified (result-download.ts), taken as
 * they are:
 *
 *   - a batch with completed requests but no output file shown is asked again on each tick
 *     for `retry.missing_output_wait_ms` before its requests are sent again (paid once already);
 *   - a file gone from the API (404: expired, or deleted) is noted; what it held is missing;
 *   - a file whose lines are not JSON is fetched again, at most three times, then its good
 *     lines are taken;
 *   - whatever does not match the counts is noted (job file `result_notes`, log, status).
 */
import { dirname, join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { ApiError, errorMessage } from '../errors.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { jobPath } from '../jobs/job-store.ts';
import type { Logger } from '../log/logger.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { downloadVerified, resultPath } from './result-download.ts';
import type { SentIds } from './sent-requests.ts';

export function relativeToData(dataDir: string, path: string): string {
  return path.startsWith(`${dataDir}/`) ? path.slice(dataDir.length + 1) : path;
}

export type FetchedResults =
  /** Not yet: the job as it is to be saved, tried again next tick. */
  | { readonly kind: 'pending'; readonly job: JobRecord }
  | {
      readonly kind: 'fetched';
      readonly resultsPath: string | undefined;
      readonly errorsPath: string | undefined;
      readonly outputFileId: string | null;
      readonly notes: string[];
      readonly attempts: number;
      readonly awaitingOutputSince: number | null;
    };

/** What fetching needs (handle-ended-job.ts's EndedJobDeps has it all). */
export interface FetchResultsDeps {
  readonly api: BatchApi;
  readonly config: Config;
  readonly dataDir: string;
  readonly batchOutputDir: string;
  readonly now: () => number;
  readonly log: Logger;
}

export async function fetchResults(
  job: JobRecord,
  sent: SentIds,
  deps: FetchResultsDeps,
): Promise<FetchedResults> {
  const { api, config, log, now } = deps;
  const dir = dirname(jobPath(deps.batchOutputDir, job.repo, job.batch_id));
  const counts = job.request_counts ?? { total: sent.size, completed: 0, failed: 0 };
  let resultsPath = job.results_path === null ? undefined : join(deps.dataDir, job.results_path);
  let errorsPath = job.errors_path === null ? undefined : join(deps.dataDir, job.errors_path);
  const notes: string[] = [...(job.result_notes ?? [])];
  let outputFileId = job.output_file_id;
  let awaitingOutputSince = job.awaiting_output_since ?? null;
  if (outputFileId === null && counts.completed > 0 && resultsPath === undefined) {
    // Requests completed but no output file is shown: it may appear later. Ask again for a
    // while before sending the requests again (paid once already).
    const b = await api.retrieveBatch(job.batch_id).catch(() => undefined);
    if (b?.output_file_id) {
      outputFileId = b.output_file_id;
    } else {
      awaitingOutputSince ??= now();
      const waited = now() - awaitingOutputSince;
      if (waited < config.retry.missing_output_wait_ms) {
        const message = `${counts.completed} requests completed but the batch shows no output file yet; asked again each tick`;
        log.warn({ batchId: job.batch_id }, `batch ${job.batch_id}: ${message}`);
        return {
          kind: 'pending',
          job: {
            ...job,
            awaiting_output_since: awaitingOutputSince,
            download_error: message,
            download_error_permanent: false,
          },
        };
      }
      notes.push(
        `${counts.completed} requests completed but no output file was shown for ${Math.round(waited / 60_000)} min: their requests are sent again`,
      );
    }
  }
  const attempts = (job.download_attempts ?? 0) + 1;
  const fetch = async (
    fileId: string,
    kind: 'results' | 'errors',
    expectedLines: number,
  ): Promise<string | undefined> => {
    const path = resultPath(dir, kind, job.batch_id);
    try {
      const verified = await downloadVerified({
        api,
        fileId,
        path,
        expectedLines,
        sent,
        // The same flawed file three times: take its good lines rather than fetch it forever.
        acceptFlawed: attempts >= 3,
      });
      for (const n of verified.notes) notes.push(`${kind} file: ${n}`);
      return path;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
      // Gone (expired after 30 days, or deleted): what it held is missing, and sent again.
      notes.push(`${kind} file ${fileId} is gone from the API (404: expired or deleted)`);
      return undefined;
    }
  };
  try {
    if (outputFileId !== null && resultsPath === undefined) {
      resultsPath = await fetch(outputFileId, 'results', counts.completed);
    }
    if (job.error_file_id !== null && errorsPath === undefined) {
      // Failed requests, and for an expired or cancelled batch the unfinished ones (if listed).
      errorsPath = await fetch(job.error_file_id, 'errors', counts.total - counts.completed);
    }
  } catch (err) {
    log.warn(
      { err, batchId: job.batch_id },
      `results of ${job.batch_id} not downloaded yet: ${errorMessage(err)}`,
    );
    const kind = err instanceof ApiError ? err.kind : undefined;
    return {
      kind: 'pending',
      job: {
        ...job,
        output_file_id: outputFileId,
        results_path: resultsPath === undefined ? null : relativeToData(deps.dataDir, resultsPath),
        errors_path: errorsPath === undefined ? null : relativeToData(deps.dataDir, errorsPath),
        download_error: errorMessage(err),
        download_error_permanent: kind === 'permanent' || kind === 'auth',
        download_attempts: attempts,
        result_notes: notes.length > 0 ? [...new Set(notes)] : null,
      },
    };
  }
  // Whether the files match the counts is told once their lines are read (handle-ended-job.ts):
  // lines with no HTTP answer explain some differences.

  return {
    kind: 'fetched',
    resultsPath,
    errorsPath,
    outputFileId,
    notes,
    attempts,
    awaitingOutputSince,
  };
}
