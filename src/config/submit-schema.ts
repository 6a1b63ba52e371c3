/**
 * The `submit` section of config.json: how batch input files are uploaded and submitted (at
 * what rate and concurrency, with what timeouts, delays and waits), and how long the API keeps
 * their files.
 */
import { z } from 'zod';

export const Submit = z
  .strictObject({
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(16)
      .default(2)
      .describe('Files uploaded and submitted at the same time.'),
    requests_per_minute: z
      .number()
      .int()
      .min(1)
      .default(60)
      .describe('API calls per minute for submission (uploads, batch creation, lookups).'),
    request_timeout_ms: z
      .number()
      .int()
      .min(1000)
      .default(600_000)
      .describe(
        'Time allowed for one API call, to its last byte (uploads and result downloads of 200 MB included; a download cut by it resumes on the next poll).',
      ),
    retry_base_ms: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe('First delay before retrying a failed API call (doubling, at most 60 s).'),
    requeue_base_ms: z
      .number()
      .int()
      .min(1)
      .default(60_000)
      .describe(
        'First delay before resubmitting a file whose batch hit the enqueued-token limit (doubling).',
      ),
    requeue_cap_ms: z
      .number()
      .int()
      .min(1)
      .default(30 * 60_000)
      .describe('Longest delay before resubmitting after the enqueued-token limit.'),
    reconcile_settle_ms: z
      .number()
      .int()
      .min(0)
      .default(120_000)
      .describe(
        'After an upload or batch creation whose answer was lost (or a crash), how long to keep looking for it in the lists, which may lag, before doing it again.',
      ),
    file_ready_grace_ms: z
      .number()
      .int()
      .min(0)
      .default(10 * 60_000)
      .describe(
        'For this long after an upload, a 400 "Cannot find file" on batch creation means the file is not visible yet: retried, not failed.',
      ),
    input_expires_after_s: z
      .number()
      .int()
      .min(3600)
      .max(2_592_000)
      .default(7 * 86_400)
      .describe(
        'Sent with each upload (expires_after): the API deletes the batch input file this many seconds after it (3600 to 2592000).',
      ),
    output_expires_after_s: z
      .number()
      .int()
      .min(3600)
      .max(2_592_000)
      .default(2_592_000)
      .describe(
        'Sent with each batch (output_expires_after): the API deletes its output and error files this many seconds after they are made (3600 to 2592000).',
      ),
  })
  .prefault({});
