/**
 * The `retry` section of config.json: how often a request is sent again (expired, failed,
 * unparseable, cut short by its completion budget), and, for `run --once`, after how many rounds
 * or poll ticks a file or a batch's results are given up.
 */
import { z } from 'zod';

export const Retry = z
  .strictObject({
    max_attempts: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(3)
      .describe(
        'Attempts per request (its first one included), for expired, transiently failed and unparseable results.',
      ),
    length_budget_factor: z
      .number()
      .min(1.1)
      .max(16)
      .default(2)
      .describe(
        'A response with empty content and finish_reason "length" (reasoning used the whole max_completion_tokens) is retried with its budget multiplied by this.',
      ),
    max_completion_tokens_cap: z
      .number()
      .int()
      .positive()
      .default(32_768)
      .describe(
        'The largest max_completion_tokens such a retry asks for; at the cap the request is not retried again.',
      ),
    missing_output_wait_ms: z
      .number()
      .int()
      .min(0)
      .default(60 * 60_000)
      .describe(
        'A batch that ended with completed requests but no output file is asked again this long before its requests are sent again.',
      ),
    submit_rounds: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe(
        'run --once: submission rounds in a row in which a batch input file failed, after which it is given up and reported (the daemon without --once keeps trying).',
      ),
    download_refusals: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(3)
      .describe(
        "run --once: poll ticks in a row in which a batch's results were refused (the file is gone, 4xx), after which they are given up and reported.",
      ),
    download_interruptions: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(30)
      .describe(
        "run --once: poll ticks in a row in which a batch's results could not be downloaded for another reason (a cut connection, 5xx; each resumes where it stopped), after which they are given up and reported.",
      ),
  })
  .prefault({});
