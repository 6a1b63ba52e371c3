/**
 * The grounding of the usable scenario 1 answers of one ended batch (grounding.ts judges).
 *
 * The slice's code is in the request: its prompt, in the batch input file the batch was made
 * from. The file is read once, to note where each scenario 1 request line is (a 53-bit
 * fingerprint of its custom_id → its byte offset and length: numbers, never a prompt); each
 * usable answer's request line is then read back by position, its prompt cut to the code the
 * template's `{{code}}` slot was given (prompt-code.ts), or the whole prompt when the template
 * was changed since. Memory: two numbers a request, and one request line at a time; none when
 * poll hands in its table of the requests (sent-requests.ts), which knows where each line is.
 *
 * An ungrounded answer is retried while its attempt is at most `grounding.max_retries` (and
 * below `retry.max_attempts`), then final; both with the reason `ungrounded: <what is not in the
 * code>` (grounding-reason.ts), which the ledger keeps and compile reports.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ANSWER_SCHEMAS } from '../domain/answer-schemas.ts';
import { parseCustomId } from '../domain/custom-id.ts';
import { ungroundedReason } from '../domain/grounding-reason.ts';
import { codeCutter, userPromptOf } from '../domain/prompt-code.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { hashA, hashB } from '../storage/text-fingerprint.ts';
import { judgeScenario1 } from './grounding.ts';
import type { SentRequests } from './sent-requests.ts';
import { responseText, type Fate, type ResultLine } from './request-fate.ts';

export interface GroundingSettings {
  readonly enabled: boolean;
  readonly max_retries: number;
  readonly identifiers: boolean;
}

export interface GroundingCheckOptions {
  /** The batch input file the batch was made from. */
  readonly inputPath: string;
  /** The scenario 1 prompt template (config), to find the code in a prompt. */
  readonly template: string;
  readonly settings: GroundingSettings;
  /** retry.max_attempts: an attempt at it is not retried. */
  readonly maxAttempts: number;
  /** The scenario of the input file, when known: a scenario 2 file is not read. */
  readonly scenario?: string | null | undefined;
  /** The attempt of the requests of the input file (its job's). */
  readonly requestAttempt: number;
  /** A request whose code cannot be read back: its answer is kept, this is said once. */
  readonly warn: (message: string) => void;
  /** Where each request line is, when poll has it already (else the file is read for it). */
  readonly requests?: Pick<SentRequests, 'indexOf' | 'lineOf'> | undefined;
}

export interface GroundingCheck {
  /** The fate of a result line, given the fate its content earned (only `usable` is judged). */
  fateOf(line: ResultLine, fate: Fate): Fate;
  close(): Promise<void>;
}

const PASS_THROUGH: GroundingCheck = {
  fateOf: (_line, fate) => fate,
  close: () => Promise.resolve(),
};

const CUSTOM_ID_FIRST = /^\{\s*"custom_id"\s*:\s*("(?:[^"\\]|\\.)*")/;

/** The custom_id of a request line (read from its start when it comes first, as we write it). */
function customIdOf(text: string): string | undefined {
  try {
    const m = CUSTOM_ID_FIRST.exec(text);
    const id: unknown =
      m !== null ? JSON.parse(m[1]!) : (JSON.parse(text) as { custom_id?: unknown }).custom_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** A custom_id as one number of 53 bits (two ids share one with probability 2^-53 a pair). */
function fingerprint(id: string): number {
  return hashA(id) * 0x20_0000 + (hashB(id) & 0x1f_ffff);
}

/** The `length` bytes at `offset` of a file, as text (synchronous: a few KB from the page cache). */
function bytesAt(fd: number, offset: number, length: number): string {
  const buf = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const n = readSync(fd, buf, filled, length - filled, offset + filled);
    if (n === 0) break;
    filled += n;
  }
  return buf.toString('utf8', 0, filled);
}

export async function openGroundingCheck(options: GroundingCheckOptions): Promise<GroundingCheck> {
  const { settings } = options;
  if (!settings.enabled || options.scenario === 'scenario2') return PASS_THROUGH;
  const located = options.requests;
  const offsets = new Map<number, number>();
  const lengths = new Map<number, number>();
  for await (const batch of located === undefined ? readLineBatches(options.inputPath) : []) {
    for (const line of batch) {
      if (line.kind !== 'text' || line.offset === undefined) continue;
      const id = customIdOf(line.text);
      if (id === undefined || parseCustomId(id, options.requestAttempt).scenario !== 'scenario1')
        continue;
      const key = fingerprint(id);
      offsets.set(key, line.offset);
      lengths.set(key, line.bytes);
    }
  }
  if (located === undefined && offsets.size === 0) return PASS_THROUGH;
  const fd = openSync(options.inputPath, 'r');
  const cutCode = codeCutter(options.template);
  let warned = false;

  /** The code of a request, or why it cannot be had. */
  const codeOf = (customId: string): string | undefined => {
    let at: { offset: number; length: number } | undefined;
    if (located !== undefined) {
      const index = located.indexOf(customId);
      at = index === -1 ? undefined : located.lineOf(index);
    } else {
      const key = fingerprint(customId);
      const offset = offsets.get(key);
      at = offset === undefined ? undefined : { offset, length: lengths.get(key)! };
    }
    if (at === undefined) return undefined;
    let request: { custom_id?: unknown; body?: unknown };
    try {
      request = JSON.parse(bytesAt(fd, at.offset, at.length)) as typeof request;
    } catch {
      return undefined;
    }
    if (request.custom_id !== customId) return undefined;
    const prompt = userPromptOf(request.body);
    if (prompt === undefined) return undefined;
    return cutCode(prompt) ?? prompt;
  };

  return {
    fateOf(line, fate) {
      if (fate.kind !== 'usable') return fate;
      const { scenario, attempt } = parseCustomId(line.custom_id, options.requestAttempt);
      if (scenario !== 'scenario1') return fate;
      const parsed = parseAnswer(line.response?.body);
      if (parsed === undefined) return fate;
      const code = codeOf(line.custom_id);
      if (code === undefined) {
        if (!warned) {
          warned = true;
          options.warn(
            `${options.inputPath}: the request of ${line.custom_id} cannot be read back; its answer is kept without a grounding check`,
          );
        }
        return fate;
      }
      const verdict = judgeScenario1(parsed, code, { identifiers: settings.identifiers });
      if (verdict.grounded) return fate;
      const reason = ungroundedReason(verdict.missing);
      const again = attempt <= settings.max_retries && attempt < options.maxAttempts;
      return again ? { kind: 'retry', reason } : { kind: 'final', reason };
    },
    close: () => {
      closeSync(fd);
      return Promise.resolve();
    },
  };
}

/** The scenario 1 answer of a response body (already known to be usable). */
function parseAnswer(body: unknown) {
  const { content } = responseText(body);
  if (typeof content !== 'string') return undefined;
  try {
    const parsed = ANSWER_SCHEMAS.scenario1.safeParse(JSON.parse(content));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
