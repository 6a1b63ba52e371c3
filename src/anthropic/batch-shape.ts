/**
 * What a Message Batch the API describes must look like before the adapter uses it (as
 * src/openai/answer-shapes.ts does for OpenAI's): a 200 answer of another shape is a failed
 * call (MalformedAnswerError, transient: the create may have been done), and its id must be a
 * plain name (it names files: the job file, the translated results).
 */
import { z } from 'zod';
import { MalformedAnswerError } from '../openai/answer-shapes.ts';
import { plainApiId } from '../openai/api-ids.ts';
import type { MessageBatchLike } from './batch-object.ts';

const count = z.number().int().nonnegative();
const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date-time');

const MessageBatchShape = z.looseObject({
  id: z.string().min(1),
  processing_status: z.enum(['in_progress', 'canceling', 'ended']),
  created_at: time,
  expires_at: time.nullish(),
  ended_at: time.nullish(),
  cancel_initiated_at: time.nullish(),
  results_url: z.string().nullish(),
  request_counts: z.looseObject({
    processing: count,
    succeeded: count,
    errored: count,
    canceled: count,
    expired: count,
  }),
});

export function checkedMessageBatch(call: string, value: unknown): MessageBatchLike {
  const parsed = MessageBatchShape.safeParse(value);
  if (!parsed.success) throw new MalformedAnswerError(call, parsed.error.issues);
  plainApiId('batch id', parsed.data.id, `the answer to ${call}`);
  return parsed.data as MessageBatchLike;
}
