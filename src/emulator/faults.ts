/**
 * Fault injection: what goes wrong, where, and how often. A profile (JSON, or built from flags)
 * lists faults at three levels; each fault is rate-based (`rate`: a seeded probability) or
 * targeted (`nth`: the listed occurrences, counted from 1; `match`/`custom_id`: by name).
 * Everything is seeded, so a run repeats exactly.
 *
 * - HTTP: answer 429 (with retry-after), 500/502/503, or a permanent 400/401/403/404, drop the
 *   connection, answer slowly, do the work and lose the answer (the client sees a dropped
 *   connection; the batch exists), cut a file download half-way (a connection reset), answer
 *   429 insufficient_quota or 400 billing_hard_limit_reached, or refuse a batch on a fresh
 *   upload (400 "Cannot find file"), or answer a proxy's HTML error page (`gateway_html`);
 *   answer 200 with a body of the wrong shape (`wrong_shape`: every field but `object` null, in a
 *   list each item's), or send a file download in a trickle (`trickle`: `chunk_bytes`
 *   every `delay_ms`).
 * - Batches: fail validation, fail with token_limit_exceeded, expire after some of the requests,
 *   complete with no output file (every request fails).
 * - Batches also: end without error lines for their unfinished requests, or with
 *   `output_file_id: null` although requests completed, or show an absent file id as `""`,
 *   or stay in validating, finalizing or cancelling far longer (`stall`).
 * - Requests: an error line with a 4xx body, an error line with an `error` object, a
 *   completed response whose content is not valid JSON, (reasoning models) an empty content
 *   with `finish_reason: "length"` when the budget is below `min_budget`, a scenario 1
 *   answer that quotes code its request does not have (`ungrounded`), an answer the content
 *   filter cut (`content_filter`), a refusal (`refusal`), or an error line that says nothing
 *   (`status_zero`: `status_code: 0`, an empty body, counted as completed).
 * - The server as a whole: `clock_offset_s` (its clock, and so every timestamp it reports, runs
 *   ahead of ours, or behind when negative), `list_lag_s` (a batch or file just created is
 *   missing from the list endpoints for that long; retrieving it by id works at once), as the
 *   real API documents neither ordering nor consistency for its lists, and `retry_after_form`
 *   (`retry-after` as an HTTP-date, or `retry-after-ms` alone).
 */
import { z } from 'zod';
import { unitHash } from './ids.ts';

const Selection = {
  rate: z.number().min(0).max(1).optional(),
  nth: z.array(z.number().int().positive()).optional(),
};

const HttpFault = z.strictObject({
  /** `METHOD /path` with `*` wildcards, e.g. `POST /v1/batches`, `GET /v1/batches/*`; all when absent. */
  route: z.string().optional(),
  kind: z.enum([
    'status',
    'drop',
    'slow',
    'lose_answer',
    'cut_body',
    'wrong_shape',
    'trickle',
    /** 429 with `code: "insufficient_quota"`: the account cannot pay. */
    'insufficient_quota',
    /** `POST /v1/batches` on a file uploaded less than `within_s` ago: 400 "Cannot find file". */
    'file_not_ready',
    /** 400 `billing_hard_limit_reached`: the organisation's spending limit (account-refusals.ts). */
    'billing_hard_limit',
    /** A proxy's HTML error page (`status` 502, 503 or 504; 502 when absent): gateway-page.ts. */
    'gateway_html',
  ]),
  /** For `file_not_ready`: how long a fresh upload stays invisible to batch creation (60 s). */
  within_s: z.number().nonnegative().optional(),
  status: z
    .union([
      z.literal(400),
      z.literal(401),
      z.literal(403),
      z.literal(404),
      z.literal(429),
      z.literal(500),
      z.literal(502),
      z.literal(503),
      z.literal(504),
      // Anthropic's overloaded_error (the OpenAI emulator answers it as any 5xx).
      z.literal(529),
    ])
    .optional(),
  retry_after_s: z.number().nonnegative().optional(),
  delay_ms: z.number().int().nonnegative().optional(),
  /** For `trickle`: bytes per write (64 when absent). */
  chunk_bytes: z.number().int().positive().optional(),
  ...Selection,
});

const BatchFault = z.strictObject({
  kind: z.enum([
    'validation_failure',
    'token_limit_exceeded',
    'expire',
    'no_output',
    /** Expired or cancelled: the unfinished requests get no error line (undocumented). */
    'no_unfinished_lines',
    /** Ends with `output_file_id: null` although requests completed. */
    'null_output_id',
    /** Shows an absent output or error file id as `""`, not null (as the real API does). */
    'empty_file_ids',
    /** Stays in `phase` `for_s` seconds longer than the schedule says (stalled-phase.ts). */
    'stall',
  ]),
  /** For `stall`: the phase that lasts (`finalizing` when absent) and how much longer (3600). */
  phase: z.enum(['validating', 'finalizing', 'cancelling']).optional(),
  for_s: z.number().nonnegative().optional(),
  /**
   * For `validation_failure`: the input line the error names (the real API names a line for a
   * bad request line: only that request is at fault). Absent: an error naming no line, as for a
   * whole file the API refuses (every request of the file fails with it).
   */
  line: z.number().int().positive().optional(),
  /** For `expire`: how many requests finish before the batch expires (or a fraction). */
  after_requests: z.number().int().nonnegative().optional(),
  after_fraction: z.number().min(0).max(1).optional(),
  /** Only batches whose input file name matches this regular expression. */
  filename: z.string().optional(),
  ...Selection,
});

const RequestFault = z.strictObject({
  kind: z.enum([
    'error_4xx',
    'error_object',
    'invalid_json',
    'reasoning_length',
    /** A scenario 1 answer quotes a line and a name its request's code does not have. */
    'ungrounded',
    /** The content filter stopped the answer part-way (filtered-answers.ts). */
    'content_filter',
    /** The model refused: `refusal` text, no content (filtered-answers.ts). */
    'refusal',
    /**
     * An error-file line with `status_code: 0`, `request_id: ""`, an empty body and no `error`,
     * counted as completed (users report it: tidyverse/ellmer issue 830).
     */
    'status_zero',
  ]),
  status: z.number().int().min(400).max(499).optional(),
  code: z.string().optional(),
  /** Only requests whose custom_id matches this regular expression. */
  custom_id: z.string().optional(),
  rate: z.number().min(0).max(1).optional(),
  /** For `reasoning_length`: a request whose token budget is at least this is answered. */
  min_budget: z.number().int().positive().optional(),
});

export const FaultProfileSchema = z.strictObject({
  seed: z.number().int().default(1),
  /** Seconds the server's clock is ahead of ours (negative: behind). */
  clock_offset_s: z.number().default(0),
  /** Seconds before a new batch or file appears in the list endpoints. */
  list_lag_s: z.number().nonnegative().default(0),
  /**
   * How `retry-after` is written on the server's 429 and 5xx answers (retry-after-form.ts):
   * delay-seconds (`seconds`), an HTTP-date on the server's clock (`http_date`), or
   * `retry-after-ms` alone (`ms`).
   */
  retry_after_form: z.enum(['seconds', 'http_date', 'ms']).default('seconds'),
  http: z.array(HttpFault).default([]),
  batches: z.array(BatchFault).default([]),
  requests: z.array(RequestFault).default([]),
});

export type FaultProfile = z.output<typeof FaultProfileSchema>;
export type HttpFaultT = z.output<typeof HttpFault>;
export type BatchFaultT = z.output<typeof BatchFault>;

/** What happens to one request of a batch. */
export const REQUEST_OUTCOMES = {
  ok: 0,
  error_4xx: 1,
  error_object: 2,
  invalid_json: 3,
  /** Reasoning used the whole budget: empty content, finish_reason "length" (billed). */
  reasoning_length: 4,
  /** A scenario 1 answer that quotes code the request does not have. */
  ungrounded: 5,
  /** Chat `finish_reason: "content_filter"`, Responses `incomplete` for `content_filter`. */
  content_filter: 6,
  /** Chat `message.refusal` with `content: null`, a Responses `refusal` content part. */
  refusal: 7,
  /** An error line with `status_code: 0` and an empty body, counted as completed. */
  status_zero: 8,
} as const;
export type RequestOutcome = (typeof REQUEST_OUTCOMES)[keyof typeof REQUEST_OUTCOMES];

export interface RequestFaultDecision {
  readonly outcome: RequestOutcome;
  readonly status?: number;
  readonly code?: string;
  readonly minBudget?: number;
}

function routeMatches(pattern: string | undefined, method: string, path: string): boolean {
  if (pattern === undefined) return true;
  const [m, p] = pattern.includes(' ') ? pattern.split(' ', 2) : ['*', pattern];
  if (m !== '*' && m!.toUpperCase() !== method) return false;
  const re = new RegExp(
    `^${p!
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  );
  return re.test(path);
}

/** Seeded decisions over a profile; counters make `nth` and `rate` repeat run after run. */
export function createFaults(profile: FaultProfile) {
  const seen = new Map<object, number>();
  const occurrence = (fault: object): number => {
    const n = (seen.get(fault) ?? 0) + 1;
    seen.set(fault, n);
    return n;
  };
  const selected = (
    fault: { rate?: number | undefined; nth?: number[] | undefined },
    n: number,
    key: string,
  ): boolean => {
    if (fault.nth !== undefined) return fault.nth.includes(n);
    if (fault.rate !== undefined) return unitHash(profile.seed, key, String(n)) < fault.rate;
    return true;
  };

  return {
    profile,
    /** The first HTTP fault that applies to this request, if any. */
    forHttp(method: string, path: string): HttpFaultT | undefined {
      for (const [i, fault] of profile.http.entries()) {
        if (!routeMatches(fault.route, method, path)) continue;
        if (selected(fault, occurrence(fault), `http:${i}`)) return fault;
      }
      return undefined;
    },
    /** The faults that apply to a new batch. */
    forBatch(inputFilename: string): BatchFaultT[] {
      const out: BatchFaultT[] = [];
      for (const [i, fault] of profile.batches.entries()) {
        if (fault.filename !== undefined && !new RegExp(fault.filename).test(inputFilename))
          continue;
        if (selected(fault, occurrence(fault), `batch:${i}`)) out.push(fault);
      }
      return out;
    },
    /** What happens to a request, from its custom_id alone (a retry has another custom_id). */
    forRequest(customId: string): RequestFaultDecision {
      for (const [i, fault] of profile.requests.entries()) {
        if (fault.custom_id !== undefined && !new RegExp(fault.custom_id).test(customId)) continue;
        if (
          fault.rate !== undefined &&
          unitHash(profile.seed, `request:${i}`, customId) >= fault.rate
        )
          continue;
        return {
          outcome: REQUEST_OUTCOMES[fault.kind],
          ...(fault.status !== undefined ? { status: fault.status } : {}),
          ...(fault.code !== undefined ? { code: fault.code } : {}),
          ...(fault.min_budget !== undefined ? { minBudget: fault.min_budget } : {}),
        };
      }
      return { outcome: REQUEST_OUTCOMES.ok };
    },
  };
}

export type Faults = ReturnType<typeof createFaults>;

export const NO_FAULTS: FaultProfile = FaultProfileSchema.parse({});
