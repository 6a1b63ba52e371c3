/**
 * What to do with a batch that has ended, once:
 *
 *   completed, expired, cancelled: download the output and error files (each when present,
 *     verified, taken as they are: fetch-results.ts), decide each request's fate (request-fate.ts,
 *     read from the files by result-fates.ts, counted in fate-tally.ts), write the requests worth
 *     sending again into a retry batch input file (ended-retries.ts), append every fate to the
 *     ledger (fate-records.ts), and delete the remote files when `remote_cleanup` is on;
 *   failed by validation (our bug, or a bad model name): every request of its input gets a final
 *     fate with the API's errors, surfaced in the job file, and nothing is retried; when every
 *     error names a line, only those lines are final and the others are sent again
 *     (validation-lines.ts);
 *   failed with token_limit_exceeded: handled by the submitter (the file goes back in line).
 *
 * Each step can run again after a crash with the same result: downloads resume, the retry file
 * has the same content (submitted once), ledger records repeat the same facts.
 *
 * Memory does not hold the batch's custom_ids as strings: the requests sent are a compact
 * table of numbers (sent-requests.ts), what became of each is a byte per request (fate-tally.ts), and the
 * ledger records are written a read chunk at a time.
 */
import { join } from 'node:path';
import type { EncodingName, TokenCounter } from '../domain/token-counter.ts';
import { errorMessage } from '../errors.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import type { Ledger } from '../domain/ledger.ts';
import { lineFate, type Fate, type ResultLine } from './request-fate.ts';
import { fetchResults, relativeToData, type FetchResultsDeps } from './fetch-results.ts';
import { openGroundingCheck } from './grounding-check.ts';
import { openSentRequests, type SentRequests } from './sent-requests.ts';
import { FateTally } from './fate-tally.ts';
import { fateRecorder, validationReason, type FateRecorder } from './fate-records.ts';
import { fatesFromFile, fatesOfMissing, type ResultFatesContext } from './result-fates.ts';
import { writeEndedRetries } from './ended-retries.ts';
import { hasNoHttpAnswer, unexplainedNotes } from './unanswered-lines.ts';
import { errorsByLine, fatesByLine } from './validation-lines.ts';

export interface EndedJobDeps extends FetchResultsDeps {
  readonly ledger: Ledger;
  readonly batchInputDir: string;
  readonly counterFor: (encoding: EncodingName) => Promise<TokenCounter>;
}

/** The batch input file of a job (its path is kept relative to the data folder). */
function inputPathOf(job: JobRecord, dataDir: string): string {
  return job.batch_file.startsWith('/') ? job.batch_file : join(dataDir, job.batch_file);
}

/** Our files on the API's side, once nothing needs them (a failure to delete is only logged). */
async function deleteRemote(ids: readonly (string | null)[], deps: EndedJobDeps): Promise<void> {
  for (const id of ids) {
    if (id === null) continue;
    await deps.api
      .deleteFile(id)
      .catch((err: unknown) =>
        deps.log.warn({ err, fileId: id }, `could not delete ${id}: ${errorMessage(err)}`),
      );
  }
}

export async function handleEndedJob(job: JobRecord, deps: EndedJobDeps): Promise<JobRecord> {
  const sent = await openSentRequests(inputPathOf(job, deps.dataDir));
  try {
    const record = fateRecorder(job, (i) => sent.sourceOf(i), deps.now);
    if (job.status === 'failed') return await handleFailed(job, sent, record, deps);
    return await handleWith(job, sent, record, deps);
  } finally {
    sent.close();
  }
}

/**
 * Failed by validation: every request a final fate, nothing retried; when every error names
 * a line, only those lines, the others sent again (validation-lines.ts).
 */
async function handleFailed(
  job: JobRecord,
  sent: SentRequests,
  record: FateRecorder,
  deps: EndedJobDeps,
): Promise<JobRecord> {
  const byLine = errorsByLine(job.errors);
  if (byLine !== undefined) return handleFailedLines(job, sent, record, deps, byLine);
  const reason = validationReason(job.errors);
  for await (const ids of sent.ids()) {
    await deps.ledger.appendMany(ids.map((r) => record(r.id, r.index, { kind: 'final', reason })));
  }
  deps.log.error(
    { batchId: job.batch_id, errors: job.errors },
    `batch ${job.batch_id} failed validation; its ${sent.size} requests are not retried: ${reason}`,
  );
  if (deps.config.remote_cleanup) await deleteRemote([job.file_id], deps);
  return {
    ...job,
    done: true,
    outcome: { usable: 0, retry: 0, final: sent.size },
    download_error: null,
  };
}

/**
 * The retry batch input file of an ended job's requests to send again (data-relative), written
 * once: a job that has one (a crash after writing it) keeps it.
 */
async function retryFileOf(
  job: JobRecord,
  inputPath: string,
  sent: SentRequests,
  tally: FateTally,
  deps: EndedJobDeps,
): Promise<string | null> {
  if (tally.retries === 0 || job.retry_file !== null) return job.retry_file;
  const sealed = await writeEndedRetries(job, inputPath, sent, tally, deps);
  return sealed === undefined ? null : relativeToData(deps.dataDir, sealed);
}

/** Failed by validation on named lines: those final, the others in a retry file. */
async function handleFailedLines(
  job: JobRecord,
  sent: SentRequests,
  record: FateRecorder,
  deps: EndedJobDeps,
  byLine: ReadonlyMap<number, string>,
): Promise<JobRecord> {
  const inputPath = inputPathOf(job, deps.dataDir);
  const tally = await fatesByLine(byLine, {
    job,
    inputPath,
    sent,
    record,
    appendMany: (records) => deps.ledger.appendMany(records),
    maxAttempts: deps.config.retry.max_attempts,
  });
  const retryFile = await retryFileOf(job, inputPath, sent, tally, deps);
  deps.log.error(
    { batchId: job.batch_id, errors: job.errors, retryFile },
    `batch ${job.batch_id} of ${job.batch_file} failed validation at line ${[...byLine.keys()].join(', ')}: ${validationReason(job.errors)}; ${tally.outcome.final} final, ${tally.outcome.retry} sent again`,
  );
  if (deps.config.remote_cleanup) await deleteRemote([job.file_id], deps);
  return {
    ...job,
    done: true,
    outcome: tally.outcome,
    retry_file: retryFile,
    download_error: null,
  };
}

/** Completed, expired, cancelled: results first, then each request's fate, then the retries. */
async function handleWith(
  job: JobRecord,
  sent: SentRequests,
  record: FateRecorder,
  deps: EndedJobDeps,
): Promise<JobRecord> {
  const { config, log } = deps;
  const inputPath = inputPathOf(job, deps.dataDir);
  const fetched = await fetchResults(job, sent, deps);
  if (fetched.kind === 'pending') return fetched.job;
  const { resultsPath, errorsPath, outputFileId, notes, attempts, awaitingOutputSince } = fetched;

  const tally = new FateTally(sent.size);
  const maxAttempts = config.retry.max_attempts;
  const ctx: ResultFatesContext = {
    sent,
    tally,
    record,
    ledger: deps.ledger,
    requestAttempt: job.request_attempt,
    maxAttempts,
  };
  // Usable scenario 1 answers must quote their slice's code (grounding-check.ts).
  const grounding = await openGroundingCheck({
    inputPath,
    template: config.scenarios.scenario1.prompt_template,
    settings: config.grounding,
    maxAttempts,
    scenario: job.scenario,
    requestAttempt: job.request_attempt,
    warn: (message) => log.warn({ batchId: job.batch_id }, message),
    requests: sent,
  });
  const length = {
    factor: config.retry.length_budget_factor,
    cap: config.retry.max_completion_tokens_cap,
  };
  let unanswered = 0;
  const judge = (line: ResultLine): Fate => {
    if (hasNoHttpAnswer(line)) unanswered++;
    return grounding.fateOf(line, lineFate(line, { cancelledByUs: job.cancelled_by_us, length }));
  };
  try {
    for (const path of [resultsPath, errorsPath]) {
      if (path !== undefined)
        await fatesFromFile(path, relativeToData(deps.dataDir, path), judge, ctx);
    }
  } finally {
    await grounding.close();
  }
  const missing = await fatesOfMissing(ctx);
  if (missing > 0) {
    notes.push(`${missing} requests in neither the output nor the error file`);
    log.warn(
      { batchId: job.batch_id, missing },
      `batch ${job.batch_id}: ${missing} requests have no line in its result files; treated as unfinished`,
    );
  }

  const retryFile = await retryFileOf(job, inputPath, sent, tally, deps);

  if (config.remote_cleanup) {
    await deleteRemote([outputFileId, job.error_file_id, job.file_id], deps);
  }
  const { outcome } = tally;
  const unexplained = unexplainedNotes(
    [...new Set(notes)],
    job.request_counts ?? { total: sent.size, completed: 0 },
    unanswered,
  );
  if (unexplained.length > 0) {
    log.warn(
      { batchId: job.batch_id, notes: unexplained },
      `batch ${job.batch_id}: its result files do not match its counts; taken as they are (${unexplained.join('; ')})`,
    );
  }
  if (unanswered > 0) {
    log.info(
      { batchId: job.batch_id, unanswered },
      `batch ${job.batch_id}: ${unanswered} result lines had no HTTP answer (status_code 0): their requests are sent again`,
    );
  }
  log.info(
    { batchId: job.batch_id, status: job.status, ...outcome, retryFile },
    `batch ${job.batch_id} ${job.status}: ${outcome.usable} usable, ${outcome.retry} to retry, ${outcome.final} final`,
  );
  return {
    ...job,
    output_file_id: outputFileId,
    results_path: resultsPath === undefined ? null : relativeToData(deps.dataDir, resultsPath),
    errors_path: errorsPath === undefined ? null : relativeToData(deps.dataDir, errorsPath),
    download_error: null,
    download_attempts: attempts,
    result_notes: unexplained.length > 0 ? unexplained : null,
    ...(unanswered > 0 ? { unanswered_lines: unanswered } : {}),
    awaiting_output_since: awaitingOutputSince,
    outcome,
    retry_file: retryFile,
    done: true,
  };
}
