/**
 * Submitting one batch input file, exactly once, from whatever point an earlier run reached.
 *
 *   1. upload: intent → (after a crash: look for an upload of the same name and size over the
 *      settle window, else upload; a lost answer is looked for the same way before uploading
 *      again; extra copies are deleted) → uploaded (with the server's creation time)
 *   2. create: intent → (after a crash: look for a batch with our metadata over the settle
 *      window, else create; a lost or ambiguous answer is looked for the same way before any
 *      retry) → created
 *   3. the job file
 *
 * Each record is in the journal (fsynced) before the next remote step, so a crash at any point
 * leaves a state that the next run completes without a second upload kept or a second batch.
 * The searches never compare our clock with the server's, and never believe a single listing
 * (reconcile.ts).
 */
import type { Clock } from '../clock.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { localIsoTime, withRemote } from '../jobs/job-record.ts';
import type { BatchApi, RemoteBatch, RemoteFile } from '../openai/batch-api.ts';
import { isFileNotReady } from '../openai/api-failure.ts';
import { ApiCallFailed, callWithRetries, type RetryPolicy } from './api-retry.ts';
import type { BatchInputFile } from './batch-input-files.ts';
import {
  batchMetadata,
  findCreatedBatch,
  findUploads,
  lookOverWindow,
  type SettleOptions,
} from './reconcile.ts';
import { newSubmission, type Submission, type SubmissionRecord } from '../jobs/submission-state.ts';
/** Points between steps where tests make the process crash. */
export const CRASH_POINTS = [
  'after_upload_intent',
  /** The file is uploaded, the answer not yet recorded. */
  'after_upload_request',
  'after_upload',
  'after_create_intent',
  /** The batch exists, the answer not yet recorded: the case a blind retry would pay twice. */
  'after_create_request',
  'after_create',
  'after_job_file',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface SubmitFileDeps {
  readonly api: BatchApi;
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  /** How long a list may lag: a lost answer is looked for this long before the call is redone. */
  readonly settleMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Appends to the journal (durably) and updates the in-memory state. */
  readonly record: (r: SubmissionRecord) => Promise<Submission>;
  readonly writeJob: (job: JobRecord) => Promise<void>;
  readonly endpoint: string;
  /** How long after its upload a 400 "Cannot find file" is taken as "not ready yet". */
  readonly fileReadyGraceMs: number;
  /** Sent with the upload: how long the API keeps the input file (seconds). */
  readonly inputExpiresAfterS?: number | undefined;
  /** Sent with the create: how long the output and error files are kept (seconds). */
  readonly outputExpiresAfterS?: number | undefined;
  readonly crashpoint?: ((at: CrashPoint) => void) | undefined;
}

/** The name a file is uploaded under: its own, with a hash prefix so that it can be found. */
export function uploadName(file: BatchInputFile): string {
  return file.name.replace(/\.jsonl$/, `.${file.manifest.sha256.slice(0, 8)}.jsonl`);
}

export function newJob(
  file: BatchInputFile,
  batch: RemoteBatch,
  attempt: number,
  estimatedCostUsd: number | null,
  nowMs: number,
): JobRecord {
  const base: JobRecord = {
    batch_file: file.display,
    file_id: batch.input_file_id,
    batch_id: batch.id,
    status: batch.status,
    created_at: localIsoTime(nowMs),
    completion_window: '24h',
    repo: file.repo,
    input_sha256: file.manifest.sha256,
    scenario: file.manifest.scenario,
    model: file.manifest.model,
    requests: file.manifest.requests,
    prompt_tokens: file.manifest.prompt_tokens,
    max_completion_tokens: file.manifest.max_completion_tokens,
    attempt,
    request_attempt: file.manifest.attempt,
    submitted_at: new Date(nowMs).toISOString(),
    updated_at: new Date(nowMs).toISOString(),
    request_counts: null,
    output_file_id: null,
    error_file_id: null,
    results_path: null,
    errors_path: null,
    errors: null,
    usage: null,
    timestamps: {
      created_at: batch.created_at,
      in_progress_at: null,
      expires_at: null,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
    },
    estimated_cost_usd: estimatedCostUsd,
    cost_usd: null,
    done: false,
    outcome: null,
    retry_file: null,
    download_error: null,
    cancelled_by_us: false,
  };
  return withRemote(base, batch, nowMs);
}

/** What the steps of one file's submission share. */
interface FileSubmission {
  readonly file: BatchInputFile;
  readonly deps: SubmitFileDeps;
  readonly sha256: string;
  readonly attempt: number;
  readonly now: () => number;
  readonly settle: SettleOptions;
  readonly crash: (at: CrashPoint) => void;
}

/** 1. The input file on the API's side: found again after a crash, else uploaded; recorded. */
async function ensureUploaded(f: FileSubmission, s: Submission): Promise<Submission> {
  if (s.fileId !== undefined) return s;
  const { file, deps, sha256, attempt, now, settle, crash } = f;
  const { api } = deps;
  const name = uploadName(file);
  // Lines rewritten on their way up (another provider's model names) change the size: read
  // only when a lost upload is looked for.
  let bytes: number | undefined;
  const uploadBytes = async (): Promise<number> =>
    (bytes ??= (await api.uploadedBytes?.(file.path)) ?? file.manifest.bytes);
  const deleted = new Set(s.deletedFileIds);
  const findUpload = async (): Promise<RemoteFile | undefined> => {
    const { adopt, extra } = await findUploads(api, name, await uploadBytes(), deleted);
    for (const x of extra) await api.deleteFile(x.id);
    return adopt;
  };
  let upload: RemoteFile | undefined;
  // A crash after the intent may hide an upload: a listing may not show it yet.
  if (s.phase === 'uploading') upload = await lookOverWindow(findUpload, settle);
  if (upload === undefined) {
    await deps.record({ t: 'upload_intent', sha256, file: file.display, attempt, at: now() });
    crash('after_upload_intent');
    upload = await callWithRetries(
      `uploading ${file.display}`,
      () => api.uploadFile(file.path, name, deps.inputExpiresAfterS),
      deps.policy,
      () => lookOverWindow(findUpload, settle),
    );
    crash('after_upload_request');
  }
  const uploaded = await deps.record({
    t: 'uploaded',
    sha256,
    file: file.display,
    file_id: upload.id,
    file_created_at: upload.created_at,
    at: now(),
  });
  crash('after_upload');
  return uploaded;
}

/** The batch, or the submission once the reused upload it named was found deleted (404). */
type Created = { readonly batch: RemoteBatch } | { readonly uploadGone: Submission };

/**
 * 2. The batch: found again after a crash (never older than its input file, on the server's
 * own clock), else created once, a lost answer looked for before any retry; recorded.
 */
async function ensureCreated(
  f: FileSubmission,
  uploaded: Submission,
  current: Submission | undefined,
): Promise<Created> {
  const { file, deps, sha256, attempt, now, settle, crash } = f;
  let s = uploaded;
  const uploadedId = s.fileId!;
  const findBatch = (): Promise<RemoteBatch | undefined> =>
    findCreatedBatch(deps.api, sha256, attempt, s.fileCreatedAt);
  let batch: RemoteBatch | undefined;
  // A crash after the intent may hide a batch, and a listing may not show it yet.
  if (s.phase === 'creating') batch = await lookOverWindow(findBatch, settle);
  if (batch === undefined) {
    s = await deps.record({
      t: 'create_intent',
      sha256,
      file: file.display,
      file_id: uploadedId,
      attempt,
      at: now(),
    });
    crash('after_create_intent');
    try {
      batch = await createBatchOnce(f, s, findBatch);
      crash('after_create_request');
    } catch (err) {
      // An earlier attempt's upload, reused, may have been deleted since: upload it again.
      const reused = current?.fileId === uploadedId && current.batchIds.length > 0;
      if (reused && err instanceof ApiCallFailed && err.failure.status === 404) {
        const gone = await deps.record({
          t: 'file_deleted',
          sha256,
          file_id: uploadedId,
          at: now(),
        });
        return { uploadGone: gone };
      }
      throw err;
    }
  }
  await deps.record({
    t: 'created',
    sha256,
    file: file.display,
    file_id: uploadedId,
    batch_id: batch.id,
    attempt,
    at: now(),
  });
  crash('after_create');
  return { batch };
}

/** The create call with its retries; a lost answer is looked for before each retry. */
function createBatchOnce(
  f: FileSubmission,
  s: Submission,
  findBatch: () => Promise<RemoteBatch | undefined>,
): Promise<RemoteBatch> {
  const { deps, now } = f;
  return callWithRetries(
    `creating the batch of ${f.file.display}`,
    () =>
      deps.api.createBatch({
        inputFileId: s.fileId!,
        endpoint: deps.endpoint,
        metadata: batchMetadata(f.sha256, f.attempt, f.file.display),
        ...(deps.outputExpiresAfterS === undefined
          ? {}
          : { outputExpiresAfterS: deps.outputExpiresAfterS }),
      }),
    deps.policy,
    () => lookOverWindow(findBatch, f.settle),
    // The API can say a fresh upload does not exist yet: wait for it, do not fail the file.
    (failure) =>
      isFileNotReady(failure) &&
      s.uploadedAt !== undefined &&
      now() - s.uploadedAt < deps.fileReadyGraceMs
        ? { ...failure, kind: 'transient' }
        : failure,
  );
}

export async function submitFile(
  file: BatchInputFile,
  current: Submission | undefined,
  estimatedCostUsd: number | null,
  deps: SubmitFileDeps,
): Promise<JobRecord> {
  const { clock } = deps;
  const s = current ?? newSubmission(file.manifest.sha256, file.display);
  const f: FileSubmission = {
    file,
    deps,
    sha256: file.manifest.sha256,
    attempt: s.attempt,
    now: () => clock.now(),
    settle: { clock, settleMs: deps.settleMs, signal: deps.signal },
    crash: (at) => deps.crashpoint?.(at),
  };
  const created = await ensureCreated(f, await ensureUploaded(f, s), current);
  if ('uploadGone' in created) return submitFile(file, created.uploadGone, estimatedCostUsd, deps);

  // 3. The job file.
  const job = newJob(file, created.batch, f.attempt, estimatedCostUsd, f.now());
  await deps.writeJob(job);
  f.crash('after_job_file');
  return job;
}
