/**
 * What to do with a batch that has ended, once:
 *
 *   completed, expired, cancelled: download the output and error files (each when present,
 *     verified, taken as they are: fetch-results.ts), decide each request's fate (request-fate.ts), write the requests worth sending
 *     again into a retry batch input file, append every fate to the ledger, and delete the
 *     remote files when `remote_cleanup` is on;
 *   failed by validation (our bug, or a bad model name): every request of its input gets a final
 *     fate with the API's errors, surfaced in the job file, and nothing is retried;
 *   failed with token_limit_exceeded: handled by the submitter (the file goes back in line).
 *
 * Each step can run again after a crash with the same result: downloads resume, the retry file
 * has the same content (submitted once), ledger records repeat the same facts.
 *
 * Memory does not hold the batch's custom_ids as strings: the requests sent are a compact
 * table of numbers (sent-requests.ts), what became of each is a byte per request, and the
 * ledger records are written a read chunk at a time.
 */
import { join } from 'node:path';
import type { Scenario } from '../domain/answer-schemas.ts';
import type { EncodingName, TokenCounter } from '../domain/token-counter.ts';
import { errorMessage } from '../errors.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import type { Ledger, LedgerRecord } from '../domain/ledger.ts';
import { lineFate, withinAttempts, type Fate, type ResultLine } from './request-fate.ts';
import { fetchResults, relativeToData, type FetchResultsDeps } from './fetch-results.ts';
import { parseCustomId } from '../domain/custom-id.ts';
import { writeRetryFile } from './retry-requests.ts';
import { openGroundingCheck } from './grounding-check.ts';
import { openSentRequests, type SentRequests } from './sent-requests.ts';

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
    return await handleWith(job, sent, deps);
  } finally {
    sent.close();
  }
}

/** Per request (by its index in the input file): a line decided its fate, it is sent again. */
const SEEN = 1;
const RETRY = 2;

async function handleWith(
  job: JobRecord,
  sent: SentRequests,
  deps: EndedJobDeps,
): Promise<JobRecord> {
  const { config, log, now } = deps;
  const inputPath = inputPathOf(job, deps.dataDir);
  const record = (customId: string, index: number, fate: Fate, results?: string): LedgerRecord => {
    const { base, attempt } = parseCustomId(customId, job.request_attempt);
    const source = sent.sourceOf(index);
    return {
      t: 'fate',
      repo: job.repo,
      ...(source === undefined ? {} : { source }),
      custom_id: base,
      attempt,
      batch_id: job.batch_id,
      fate: fate.kind,
      ...(fate.kind === 'usable' ? {} : { reason: fate.reason }),
      ...(results === undefined ? {} : { results }),
      at: now(),
    };
  };

  if (job.status === 'failed') {
    const errors = (job.errors ?? []).map(
      (e) => `${e.code ?? 'error'}${e.line != null ? ` (line ${e.line})` : ''}: ${e.message ?? ''}`,
    );
    const reason = `the batch failed validation: ${errors.slice(0, 3).join('; ') || 'no reason given'}`;
    for await (const ids of sent.ids()) {
      await deps.ledger.appendMany(
        ids.map((r) => record(r.id, r.index, { kind: 'final', reason })),
      );
    }
    log.error(
      { batchId: job.batch_id, errors: job.errors },
      `batch ${job.batch_id} failed validation; its ${sent.size} requests are not retried: ${reason}`,
    );
    if (config.remote_cleanup) await deleteRemote([job.file_id], deps);
    return {
      ...job,
      done: true,
      outcome: { usable: 0, retry: 0, final: sent.size },
      download_error: null,
    };
  }

  // completed, expired, cancelled: results first.
  const fetched = await fetchResults(job, sent, deps);
  if (fetched.kind === 'pending') return fetched.job;
  const { resultsPath, errorsPath, outputFileId, notes, attempts, awaitingOutputSince } = fetched;

  // Fates, streamed from the two files.
  const state = new Uint8Array(sent.size);
  let retries = 0;
  let retryAttempt = 0;
  /** Retries that need a larger max_completion_tokens, by request index (0: none). */
  let budgets: Uint32Array | undefined;
  const noteRetry = (index: number, customId: string): void => {
    state[index]! |= RETRY;
    retries++;
    retryAttempt = Math.max(retryAttempt, parseCustomId(customId, job.request_attempt).attempt);
  };
  const outcome = { usable: 0, retry: 0, final: 0 };
  const maxAttempts = config.retry.max_attempts;
  const decide = async (path: string | undefined): Promise<void> => {
    if (path === undefined) return;
    const rel = relativeToData(deps.dataDir, path);
    for await (const batch of readLineBatches(path)) {
      const records: LedgerRecord[] = [];
      for (const raw of batch) {
        if (raw.kind !== 'text') continue;
        let line: ResultLine;
        try {
          line = JSON.parse(raw.text) as ResultLine;
        } catch {
          continue; // noted by the verification
        }
        // Only a custom_id we sent, once, decides a fate (the first line of it).
        if (typeof line.custom_id !== 'string') continue;
        const index = sent.indexOf(line.custom_id);
        if (index === -1 || (state[index]! & SEEN) !== 0) continue;
        state[index]! |= SEEN;
        const fate = withinAttempts(
          grounding.fateOf(
            line,
            lineFate(line, {
              cancelledByUs: job.cancelled_by_us,
              length: {
                factor: config.retry.length_budget_factor,
                cap: config.retry.max_completion_tokens_cap,
              },
            }),
          ),
          parseCustomId(line.custom_id, job.request_attempt).attempt,
          maxAttempts,
        );
        outcome[fate.kind]++;
        if (fate.kind === 'retry') noteRetry(index, line.custom_id);
        if (fate.kind === 'retry' && fate.maxCompletionTokens !== undefined)
          (budgets ??= new Uint32Array(sent.size))[index] = fate.maxCompletionTokens;
        records.push(record(line.custom_id, index, fate, fate.kind === 'usable' ? rel : undefined));
      }
      await deps.ledger.appendMany(records);
    }
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
  try {
    await decide(resultsPath);
    await decide(errorsPath);
  } finally {
    await grounding.close();
  }
  // The requests no line spoke of, in the input file's order (read again only when any).
  let missing = 0;
  if (state.some((s) => (s & SEEN) === 0)) {
    for await (const ids of sent.ids()) {
      const records: LedgerRecord[] = [];
      for (const { index, id } of ids) {
        if ((state[index]! & SEEN) !== 0) continue;
        const fate = withinAttempts(
          { kind: 'retry', reason: 'in neither the output nor the error file' },
          parseCustomId(id, job.request_attempt).attempt,
          maxAttempts,
        );
        outcome[fate.kind]++;
        if (fate.kind === 'retry') noteRetry(index, id);
        records.push(record(id, index, fate));
      }
      missing += records.length;
      await deps.ledger.appendMany(records);
    }
  }
  if (missing > 0) {
    notes.push(`${missing} requests in neither the output nor the error file`);
    log.warn(
      { batchId: job.batch_id, missing },
      `batch ${job.batch_id}: ${missing} requests have no line in its result files; treated as unfinished`,
    );
  }

  let retryFile: string | null = job.retry_file;
  if (retries > 0 && retryFile === null) {
    const indexOf = (id: string): number => sent.indexOf(id);
    const sealed = await writeRetryFile({
      inputPath,
      dir: join(deps.batchInputDir, ...job.repo.split('/').filter(Boolean)),
      retry: {
        size: retries,
        has: (id) => {
          const i = indexOf(id);
          return i !== -1 && (state[i]! & RETRY) !== 0;
        },
      },
      budgets: {
        get: (id) => {
          const i = indexOf(id);
          const budget = i === -1 ? 0 : (budgets?.[i] ?? 0);
          return budget === 0 ? undefined : budget;
        },
      },
      originOf: (id) => {
        const i = indexOf(id);
        return i === -1 ? undefined : sent.sourceOf(i);
      },
      attempt: retryAttempt + 1,
      requestAttempt: job.request_attempt,
      scenario: (job.scenario ?? 'scenario1') as Scenario,
      model: job.model ?? config.model,
      now: () => new Date(now()),
      counterFor: deps.counterFor,
      source: job.batch_file,
    });
    retryFile = sealed === undefined ? null : relativeToData(deps.dataDir, sealed.path);
  }

  if (config.remote_cleanup) {
    await deleteRemote([outputFileId, job.error_file_id, job.file_id], deps);
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
    result_notes: notes.length > 0 ? [...new Set(notes)] : null,
    awaiting_output_since: awaitingOutputSince,
    outcome,
    retry_file: retryFile,
    done: true,
  };
}
