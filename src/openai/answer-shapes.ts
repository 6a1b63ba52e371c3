/**
 * What the API's answers must look like before anything above the adapter sees them. A 200
 * answer of another shape (a proxy's page, a server bug: `status: null`) is a failed call, not
 * data: it would otherwise be written into a job file. Extra fields are kept; only what
 * slicebatch reads is checked.
 */
import { BATCH_STATUSES } from '../domain/batch-status.ts';
import { z } from 'zod';
import { SlicebatchError } from '../errors.ts';
import type { RemoteBatch, RemoteFile } from './remote-types.ts';

const count = z.number().int().nonnegative();
const time = z.number().nonnegative();
/** A file id that may be absent: the API sends null, or `""` (read as null). */
const optionalFileId = z
  .string()
  .nullish()
  .transform((id) => (id === '' ? null : id));

const RemoteFileShape = z.looseObject({
  id: z.string().min(1),
  bytes: count,
  created_at: time,
  filename: z.string(),
  purpose: z.string(),
});

const RemoteBatchShape = z.looseObject({
  id: z.string().min(1),
  status: z.enum(BATCH_STATUSES),
  endpoint: z.string(),
  model: z.string().nullish(),
  input_file_id: z.string().min(1),
  output_file_id: optionalFileId,
  error_file_id: optionalFileId,
  created_at: time,
  in_progress_at: time.nullish(),
  expires_at: time.nullish(),
  finalizing_at: time.nullish(),
  completed_at: time.nullish(),
  failed_at: time.nullish(),
  expired_at: time.nullish(),
  cancelling_at: time.nullish(),
  cancelled_at: time.nullish(),
  request_counts: z.looseObject({ total: count, completed: count, failed: count }).nullish(),
  errors: z
    .looseObject({
      data: z
        .array(
          z.looseObject({
            code: z.string().optional(),
            message: z.string().optional(),
            param: z.string().nullish(),
            line: z.number().nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  usage: z
    .looseObject({ input_tokens: count, output_tokens: count, total_tokens: count })
    .nullish(),
});

/** A 200 answer that is not what the API answers: treated as a failed call (api-failure.ts). */
export class MalformedAnswerError extends SlicebatchError {
  constructor(what: string, issues: readonly z.core.$ZodIssue[]) {
    const first = issues[0];
    const where = first === undefined || first.path.length === 0 ? '' : `${first.path.join('.')}: `;
    super(
      'malformed_answer',
      `${what} answered with a wrong shape (${where}${first?.message ?? 'invalid'}${issues.length > 1 ? `, and ${issues.length - 1} more` : ''})`,
    );
  }
}

function checked<T>(schema: z.ZodType, what: string, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new MalformedAnswerError(what, parsed.error.issues);
  return parsed.data as T;
}

export const checkedFile = (what: string, value: unknown): RemoteFile =>
  checked<RemoteFile>(RemoteFileShape, what, value);

export const checkedBatch = (what: string, value: unknown): RemoteBatch =>
  checked<RemoteBatch>(RemoteBatchShape, what, value);
