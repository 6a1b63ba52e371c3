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

/**
 * The output file id of a batch that completed requests: the job's, or asked again while the
 * batch shows none (`pending` until `retry.missing_output_wait_ms` has passed; after that, a
 * note, and the requests are sent again).
 */
async function outputFileOf(
  job: JobRecord,
  completed: number,
  notes: string[],
  deps: FetchResultsDeps,
): Promise<
  | { readonly kind: 'pending'; readonly job: JobRecord }
  | { readonly kind: 'known'; outputFileId: string | null; awaitingOutputSince: number | null }
> {
  const { api, config, log, now } = deps;
  let awaitingOutputSince = job.awaiting_output_since ?? null;
  // Requests completed but no output file is shown: it may appear later. Ask again for a
  // while before sending the requests again (paid once already).
  const b = await api.retrieveBatch(job.batch_id).catch(() => undefined);
  if (b?.output_file_id)
    return { kind: 'known', outputFileId: b.output_file_id, awaitingOutputSince };
  awaitingOutputSince ??= now();
  const waited = now() - awaitingOutputSince;
  if (waited < config.retry.missing_output_wait_ms) {
    const message = `${completed} requests completed but the batch shows no output file yet; asked again each tick`;
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
    `${completed} requests completed but no output file was shown for ${Math.round(waited / 60_000)} min: their requests are sent again`,
  );
  return { kind: 'known', outputFileId: null, awaitingOutputSince };
}

/**
 * One result file downloaded and verified into `dir`; its notes added to `notes`. Undefined
 * when the file is gone from the API (404), with a note.
 */
async function fetchFile(
  api: BatchApi,
  fileId: string,
  target: {
    readonly dir: string;
    readonly batchId: string;
    readonly kind: 'results' | 'errors';
    readonly expectedLines: number;
  },
  sent: SentIds,
  attempts: number,
  notes: string[],
): Promise<string | undefined> {
  const { kind } = target;
  const path = resultPath(target.dir, kind, target.batchId);
  try {
    const verified = await downloadVerified({
      api,
      fileId,
      path,
      expectedLines: target.expectedLines,
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
}

export async function fetchResults(
  job: JobRecord,
  sent: SentIds,
  deps: FetchResultsDeps,
): Promise<FetchedResults> {
  const { api, log } = deps;
  const dir = dirname(jobPath(deps.batchOutputDir, job.repo, job.batch_id));
  const counts = job.request_counts ?? { total: sent.size, completed: 0, failed: 0 };
  let resultsPath = job.results_path === null ? undefined : join(deps.dataDir, job.results_path);
  let errorsPath = job.errors_path === null ? undefined : join(deps.dataDir, job.errors_path);
  const notes: string[] = [...(job.result_notes ?? [])];
  let outputFileId = job.output_file_id;
  let awaitingOutputSince = job.awaiting_output_since ?? null;
  if (outputFileId === null && counts.completed > 0 && resultsPath === undefined) {
    const known = await outputFileOf(job, counts.completed, notes, deps);
    if (known.kind === 'pending') return known;
    ({ outputFileId, awaitingOutputSince } = known);
  }
  const attempts = (job.download_attempts ?? 0) + 1;
  const target = (kind: 'results' | 'errors', expectedLines: number) =>
    ({ dir, batchId: job.batch_id, kind, expectedLines }) as const;
  try {
    if (outputFileId !== null && resultsPath === undefined) {
      const to = target('results', counts.completed);
      resultsPath = await fetchFile(api, outputFileId, to, sent, attempts, notes);
    }
    if (job.error_file_id !== null && errorsPath === undefined) {
      // Failed requests, and for an expired or cancelled batch the unfinished ones (if listed).
      const to = target('errors', counts.total - counts.completed);
      errorsPath = await fetchFile(api, job.error_file_id, to, sent, attempts, notes);
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
