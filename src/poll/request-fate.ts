/**
 * What became of each request of a finished batch, from its line in the output or error file.
 * Pure.
 *
 *   usable  a 200 response whose content parses as JSON in the scenario's answer structure
 *   retry   worth sending again: unfinished (batch_expired; batch_cancelled when we cancelled),
 *           a transient failure (429, 408, 5xx, a server_error / timeout / rate limit object),
 *           an error line with no HTTP answer (`status_code: 0`, an empty body),
 *           or content that is not JSON or not the answer structure
 *   final   no point: a permanent request error (a 4xx body), a batch cancelled by a person,
 *           a refusal or an answer the content filter stopped (refusal-fate.ts), or no
 *           attempts left (retry.max_attempts)
 */
import { outputLimitOf } from '../domain/model-output-limits.ts';
import { ANSWER_SCHEMAS, type Scenario } from '../domain/answer-schemas.ts';
import { parseCustomId } from '../domain/custom-id.ts';
import { refusalFate } from './refusal-fate.ts';
import { shortened } from '../format.ts';

export type Fate =
  | { readonly kind: 'usable' }
  | {
      readonly kind: 'retry';
      readonly reason: string;
      /** Send it again with this `max_completion_tokens` (reasoning used up the last one). */
      readonly maxCompletionTokens?: number;
    }
  | { readonly kind: 'final'; readonly reason: string };

/** How a request whose reasoning used the whole budget is sent again. */
export interface LengthRetry {
  readonly factor: number;
  readonly cap: number;
}

export interface ResultLine {
  readonly custom_id: string;
  readonly response: { status_code: number; body: unknown } | null;
  readonly error: { code?: string | null; message?: string | null } | null;
}

const TRANSIENT_ERROR_CODES = new Set([
  'batch_expired',
  'server_error',
  'timeout',
  'rate_limit_exceeded',
  'internal_error',
  'service_unavailable',
]);

/** A successful response's answer, parsed (and validated when the scenario is known). */
export type AnswerOutcome =
  | { readonly kind: 'usable'; readonly answer: unknown; readonly reasoningSummary?: string }
  | { readonly kind: 'retry'; readonly reason: string };

interface ResponsesBody {
  readonly object?: string;
  readonly status?: string;
  readonly incomplete_details?: { reason?: string } | null;
  readonly output?: readonly {
    type?: string;
    content?: readonly { type?: string; text?: unknown }[];
    summary?: readonly { type?: string; text?: unknown }[];
  }[];
  readonly usage?: { output_tokens?: number };
}

/**
 * What a response says, from a chat completion (`choices[0]`) or a Responses object
 * (`output[]`: the `output_text` of its message, the summary of its reasoning item).
 */
export function responseText(body: unknown): {
  content: unknown;
  cutShort: boolean;
  spent: number;
  reasoningSummary: string | undefined;
} {
  const r = body as ResponsesBody | null;
  if (r?.object === 'response' || Array.isArray(r?.output)) {
    const texts: string[] = [];
    const summaries: string[] = [];
    for (const item of r?.output ?? []) {
      if (item.type === 'message') {
        for (const c of item.content ?? [])
          if (c.type === 'output_text' && typeof c.text === 'string') texts.push(c.text);
      } else if (item.type === 'reasoning') {
        for (const s of item.summary ?? []) if (typeof s.text === 'string') summaries.push(s.text);
      }
    }
    return {
      content: texts.length > 0 ? texts.join('') : undefined,
      cutShort: r?.status === 'incomplete' && r.incomplete_details?.reason === 'max_output_tokens',
      spent: r?.usage?.output_tokens ?? 0,
      reasoningSummary: summaries.length > 0 ? summaries.join('\n\n') : undefined,
    };
  }
  const b = body as {
    choices?: { message?: { content?: unknown }; finish_reason?: string }[];
    usage?: { completion_tokens?: number };
  } | null;
  const choice = b?.choices?.[0];
  return {
    content: choice?.message?.content,
    cutShort: choice?.finish_reason === 'length',
    spent: b?.usage?.completion_tokens ?? 0,
    reasoningSummary: undefined,
  };
}

/** The fate of a successful response's content. */
export function contentFate(body: unknown, scenario: Scenario | undefined): Fate {
  const outcome = answerOf(body, scenario);
  return outcome.kind === 'usable' ? { kind: 'usable' } : outcome;
}

/**
 * The answer of a successful response: its content parsed as JSON and checked against the
 * scenario's answer structure (the value is the schema's output), or why it is not usable.
 */
export function answerOf(body: unknown, scenario: Scenario | undefined): AnswerOutcome {
  const { content, cutShort, reasoningSummary } = responseText(body);
  if (typeof content !== 'string' || content.trim() === '') {
    return { kind: 'retry', reason: 'the response has no content' };
  }
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (err) {
    const cut = cutShort ? ' (cut short: finish_reason length)' : '';
    return { kind: 'retry', reason: `content is not valid JSON${cut}: ${(err as Error).message}` };
  }
  const summary = reasoningSummary === undefined ? {} : { reasoningSummary };
  if (scenario === undefined) return { kind: 'usable', answer: value, ...summary };
  const parsed = ANSWER_SCHEMAS[scenario].safeParse(value);
  if (parsed.success) return { kind: 'usable', answer: parsed.data, ...summary };
  const issue = parsed.error.issues[0];
  return {
    kind: 'retry',
    reason: `content does not match the ${scenario} answer structure${issue ? `: ${issue.path.join('.') || '(top)'} ${issue.message}` : ''}`,
  };
}

/**
 * A response whose content is empty with `finish_reason: "length"`: the model (a reasoning
 * model) spent the whole `max_completion_tokens` before answering. The same budget would fail
 * the same way: it is retried with a larger one, up to the cap; at the cap it is final.
 */
export function lengthFate(body: unknown, length: LengthRetry): Fate | undefined {
  const { content, cutShort, spent } = responseText(body);
  if (!cutShort) return undefined;
  if (typeof content === 'string' && content.trim() !== '') return undefined;
  // Never above what the model writes: the API answers a larger budget with a 400 for the request.
  const model = (body as { model?: unknown } | null)?.model;
  const limit = typeof model === 'string' ? outputLimitOf(model) : undefined;
  const cap = limit === undefined ? length.cap : Math.min(length.cap, limit);
  const next = Math.min(cap, Math.ceil(spent * length.factor));
  if (spent <= 0 || next <= spent) {
    return {
      kind: 'final',
      reason:
        `reasoning used the whole budget of ${spent} tokens (empty content, finish_reason length), ` +
        (cap < length.cap
          ? `at the most ${String(model)} writes (${limit} tokens)`
          : 'at retry.max_completion_tokens_cap'),
    };
  }
  return {
    kind: 'retry',
    reason: `reasoning used the whole budget of ${spent} tokens (empty content, finish_reason length): retried with ${next}`,
    maxCompletionTokens: next,
  };
}

export function lineFate(
  line: ResultLine,
  options: { readonly cancelledByUs: boolean; readonly length?: LengthRetry | undefined },
): Fate {
  const { scenario } = parseCustomId(line.custom_id);
  if (line.response !== null && line.response.status_code === 200) {
    const refused = refusalFate(line.response.body);
    if (refused !== undefined) return refused;
    const length = lengthFate(line.response.body, options.length ?? { factor: 2, cap: 32_768 });
    return length ?? contentFate(line.response.body, scenario);
  }
  if (line.response !== null) {
    const status = line.response.status_code;
    const message =
      (line.response.body as { error?: { message?: string } } | null)?.error?.message ??
      'no message';
    // `status_code: 0` with an empty body (undocumented; users report it in error files while
    // the counts say completed): no HTTP answer at all, so the request was not run.
    if (!(status >= 100)) {
      return { kind: 'retry', reason: `no HTTP answer (status_code ${status}): not run` };
    }
    if (status === 429 || status === 408 || status >= 500) {
      return { kind: 'retry', reason: `HTTP ${status}: ${shortened(message, 200)}` };
    }
    return {
      kind: 'final',
      reason: `rejected by the API (HTTP ${status}): ${shortened(message, 200)}`,
    };
  }
  const code = line.error?.code ?? 'unknown';
  const message = shortened(line.error?.message ?? '', 200);
  if (code === 'batch_cancelled') {
    return options.cancelledByUs
      ? { kind: 'retry', reason: 'not run: the batch was cancelled by slicebatch' }
      : { kind: 'final', reason: 'not run: the batch was cancelled (not by slicebatch)' };
  }
  if (TRANSIENT_ERROR_CODES.has(code)) return { kind: 'retry', reason: `${code}: ${message}` };
  return { kind: 'final', reason: `${code}: ${message}` };
}

/** A retry beyond the attempts allowed becomes final. */
export function withinAttempts(fate: Fate, attempt: number, maxAttempts: number): Fate {
  if (fate.kind !== 'retry' || attempt < maxAttempts) return fate;
  return { kind: 'final', reason: `gave up after ${attempt} attempts; last: ${fate.reason}` };
}
