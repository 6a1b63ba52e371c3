/**
 * The submission journal's records and what they say about each batch input file. Pure.
 *
 * Every remote step is written down before it is tried (an intent) and after it is answered,
 * so that after a crash at any point the state of each file is known, or known to need a check:
 *
 *   new ─upload_intent→ uploading ─uploaded→ uploaded ─create_intent→ creating ─created→ submitted
 *   uploading:  the upload may have happened: look for the file before uploading again
 *   creating:   the batch may exist: look for it (by metadata) before creating it
 *   submitted ─requeued (its batch failed with token_limit_exceeded)→ waiting ─(due)→ creating…
 *   any ─failed (a permanent API error)→ failed
 *
 * Files are identified by the SHA-256 of their content: the same content is never submitted
 * twice, whatever its name.
 */

export type SubmissionRecord =
  | { t: 'upload_intent'; sha256: string; file: string; attempt: number; at: number }
  | {
      t: 'uploaded';
      sha256: string;
      file: string;
      file_id: string;
      /** The upload's creation time as the server reported it (unix seconds). */
      file_created_at?: number;
      at: number;
    }
  | {
      t: 'create_intent';
      sha256: string;
      file: string;
      file_id: string;
      attempt: number;
      at: number;
    }
  | {
      t: 'created';
      sha256: string;
      file: string;
      file_id: string;
      batch_id: string;
      attempt: number;
      at: number;
    }
  | { t: 'failed'; sha256: string; file: string; attempt: number; reason: string; at: number }
  | {
      t: 'requeued';
      sha256: string;
      file: string;
      attempt: number;
      reason: string;
      not_before: number;
      at: number;
    }
  | { t: 'file_deleted'; sha256: string; file_id: string; at: number };

export const SUBMISSION_PHASES = [
  'new',
  'uploading',
  'uploaded',
  'creating',
  'submitted',
  'waiting',
  'failed',
] as const;
export type SubmissionPhase = (typeof SUBMISSION_PHASES)[number];

export interface Submission {
  readonly sha256: string;
  readonly file: string;
  readonly phase: SubmissionPhase;
  /** The attempt in progress or last made (1 for the first submission of the file). */
  readonly attempt: number;
  /** The uploaded input file, reusable by later attempts. */
  readonly fileId: string | undefined;
  /** When `fileId` was uploaded (our clock): a 400 "Cannot find file" soon after is transient. */
  readonly uploadedAt?: number | undefined;
  readonly batchIds: readonly string[];
  /** The upload's creation time on the server's clock: no batch of it can be older. */
  readonly fileCreatedAt: number | undefined;
  /** Uploads we deleted: never to be adopted again, even while a lagging list still shows them. */
  readonly deletedFileIds: readonly string[];
  /** Time of the last intent (our clock). */
  readonly intentAt: number | undefined;
  readonly notBefore: number | undefined;
  readonly failure: string | undefined;
}

export function newSubmission(sha256: string, file: string): Submission {
  return {
    sha256,
    file,
    phase: 'new',
    attempt: 1,
    fileId: undefined,
    fileCreatedAt: undefined,
    deletedFileIds: [],
    batchIds: [],
    intentAt: undefined,
    notBefore: undefined,
    failure: undefined,
  };
}

export function applyRecord(s: Submission | undefined, r: SubmissionRecord): Submission {
  const base = s ?? newSubmission(r.sha256, 'file' in r ? r.file : '');
  switch (r.t) {
    case 'upload_intent':
      return { ...base, file: r.file, phase: 'uploading', attempt: r.attempt, intentAt: r.at };
    case 'uploaded':
      return {
        ...base,
        phase: 'uploaded',
        fileId: r.file_id,
        fileCreatedAt: r.file_created_at,
        uploadedAt: r.at,
      };
    case 'create_intent':
      return {
        ...base,
        phase: 'creating',
        fileCreatedAt: base.fileId === r.file_id ? base.fileCreatedAt : undefined,
        fileId: r.file_id,
        attempt: r.attempt,
        intentAt: r.at,
      };
    case 'created':
      return {
        ...base,
        phase: 'submitted',
        fileId: r.file_id,
        attempt: r.attempt,
        batchIds: base.batchIds.includes(r.batch_id)
          ? base.batchIds
          : [...base.batchIds, r.batch_id],
      };
    case 'failed':
      return { ...base, phase: 'failed', attempt: r.attempt, failure: r.reason };
    case 'requeued':
      return {
        ...base,
        phase: 'waiting',
        attempt: r.attempt,
        notBefore: r.not_before,
        failure: undefined,
      };
    case 'file_deleted': {
      const deletedFileIds = [...base.deletedFileIds, r.file_id];
      return base.fileId === r.file_id
        ? {
            ...base,
            fileId: undefined,
            fileCreatedAt: undefined,
            uploadedAt: undefined,
            deletedFileIds,
          }
        : { ...base, deletedFileIds };
    }
  }
}

export function foldRecords(records: readonly SubmissionRecord[]): Map<string, Submission> {
  const out = new Map<string, Submission>();
  for (const r of records) out.set(r.sha256, applyRecord(out.get(r.sha256), r));
  return out;
}

/** The batch of the submission's current attempt, once created. */
export function currentBatchId(s: Submission): string | undefined {
  return s.phase === 'submitted' ? s.batchIds[s.batchIds.length - 1] : undefined;
}
