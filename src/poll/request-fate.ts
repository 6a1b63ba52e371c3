/**
 * What became of each request of a finished batch, from its line in the output or error file.
 * Pure.
 *
 *   usable  a 200 response whose content parses as JSON in the scenario's answer structure
 *   retry   worth sending again: unfinished (batch_expired; batch_cancelled when we cancelled),
 *           a transient failure (429, 408, 5xx, a server_error / timeout / rate limit object),
 *           or content that is not JSON or not the answer structure
 *   final   no point: a permanent request error (a 4xx body), a batch cancelled by a person,
 *           or no attempts left (retry.max_attempts)
 */
import { ANSWER_SCHEMAS, type Scenario } from '../domain/answer-schemas.ts';

export type Fate =
  | { readonly kind: 'usable' }
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'final'; readonly reason: string };

export interface ResultLine {
  readonly custom_id: string;
  readonly response: { status_code: number; body: unknown } | null;
  readonly error: { code?: string | null; message?: string | null } | null;
}

/** `scenario1_<slice id>__a3` → base `scenario1_<slice id>`, attempt 3. */
export function parseCustomId(customId: string): {
  base: string;
  attempt: number;
  scenario: Scenario | undefined;
} {
  const m = /^(.*?)(?:__a(\d+))?$/s.exec(customId)!;
  const base = m[1]!;
  const scenario = /^(scenario[12])_/.exec(base)?.[1] as Scenario | undefined;
  return { base, attempt: m[2] === undefined ? 1 : Number(m[2]), scenario };
}

const TRANSIENT_ERROR_CODES = new Set([
  'batch_expired',
  'server_error',
  'timeout',
  'rate_limit_exceeded',
  'internal_error',
  'service_unavailable',
]);

function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A successful response's answer, parsed (and validated when the scenario is known). */
export type AnswerOutcome =
  | { readonly kind: 'usable'; readonly answer: unknown }
  | { readonly kind: 'retry'; readonly reason: string };

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
  const choice = (
    body as { choices?: { message?: { content?: unknown }; finish_reason?: string }[] } | null
  )?.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content !== 'string' || content.trim() === '') {
    return { kind: 'retry', reason: 'the response has no content' };
  }
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (err) {
    const cut = choice?.finish_reason === 'length' ? ' (cut short: finish_reason length)' : '';
    return { kind: 'retry', reason: `content is not valid JSON${cut}: ${(err as Error).message}` };
  }
  if (scenario === undefined) return { kind: 'usable', answer: value };
  const parsed = ANSWER_SCHEMAS[scenario].safeParse(value);
  if (parsed.success) return { kind: 'usable', answer: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    kind: 'retry',
    reason: `content does not match the ${scenario} answer structure${issue ? `: ${issue.path.join('.') || '(top)'} ${issue.message}` : ''}`,
  };
}

export function lineFate(line: ResultLine, options: { readonly cancelledByUs: boolean }): Fate {
  const { scenario } = parseCustomId(line.custom_id);
  if (line.response !== null && line.response.status_code === 200)
    return contentFate(line.response.body, scenario);
  if (line.response !== null) {
    const status = line.response.status_code;
    const message =
      (line.response.body as { error?: { message?: string } } | null)?.error?.message ??
      'no message';
    if (status === 429 || status === 408 || status >= 500) {
      return { kind: 'retry', reason: `HTTP ${status}: ${truncate(message)}` };
    }
    return { kind: 'final', reason: `rejected by the API (HTTP ${status}): ${truncate(message)}` };
  }
  const code = line.error?.code ?? 'unknown';
  const message = truncate(line.error?.message ?? '');
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
