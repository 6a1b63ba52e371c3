/**
 * Is a scenario 1 answer grounded in its slice's code? Pure.
 *
 *   - every step's `code_reference` appears in the code, whitespace normalised (runs of
 *     whitespace are one space, and a space next to a symbol does not count: `a>0` is `a > 0`);
 *     surrounding backticks or a fence are not part of it, and `...` / `…` stands for code left
 *     out (the pieces around it appear in this order);
 *   - every identifier cited as code in the texts (a backticked name: `total`, `self.items`,
 *     `Cart::add`, `render()`) is a word of the code, each of its dotted parts; the literals
 *     null, true, false (and their spellings in other languages) need not be.
 *
 * Scenario 2 answers are designs of new components: the names they cite are new by design, so
 * they are not judged.
 */
import type { Scenario1AnswerT } from '../domain/answer-schemas.ts';

export interface GroundingOptions {
  /** Check the backticked identifiers of the texts too (on by default). */
  readonly identifiers?: boolean;
}

export interface GroundingVerdict {
  readonly grounded: boolean;
  /** What the code does not have, one entry each, in the answer's order. */
  readonly missing: readonly string[];
}

const SPACES = /\s+/gu;
/** A space that is not between two word characters. */
const LONE_SPACE = / (?=[^\p{L}\p{N}_$])|(?<=[^\p{L}\p{N}_$]) /gu;
const WORDS = /[\p{L}_$][\p{L}\p{N}_$]*/gu;
const IDENTIFIER =
  /^[\p{L}_$][\p{L}\p{N}_$]*(?:(?:\.|::|->|#)[\p{L}_$][\p{L}\p{N}_$]*)*(?:\(\))?$/u;
const BACKTICKED = /`([^`\n]+)`/g;
const ELLIPSIS = /\.\.\.|…/;
const LITERALS = new Set([
  'null',
  'NULL',
  'nullptr',
  'nil',
  'None',
  'undefined',
  'true',
  'false',
  'True',
  'False',
]);

/** `text` with whitespace normalised: one space between two word characters, none elsewhere. */
export function normaliseWhitespace(text: string): string {
  return text.replace(SPACES, ' ').replace(LONE_SPACE, '').trim();
}

/** A quote without the backticks or fence around it. */
function unquoted(reference: string): string {
  let r = reference.trim();
  const fence = /^```[^\n]*\n([\s\S]*?)\n?```$/.exec(r);
  if (fence !== null) return fence[1]!;
  while (r.length >= 2 && r.startsWith('`') && r.endsWith('`')) r = r.slice(1, -1).trim();
  return r;
}

/** Whether `reference` (pieces around `...` in order) appears in the normalised code. */
function quoted(reference: string, code: string): boolean {
  const pieces = unquoted(reference)
    .split(ELLIPSIS)
    .map(normaliseWhitespace)
    .filter((p) => p !== '');
  if (pieces.length === 0) return false;
  let from = 0;
  for (const piece of pieces) {
    const at = code.indexOf(piece, from);
    if (at === -1) return false;
    from = at + piece.length;
  }
  return true;
}

function shortQuote(text: string, max = 80): string {
  const flat = text.replace(/\s+/gu, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}

/** The texts of an answer in which identifiers are cited (not the code references). */
function prose(answer: Scenario1AnswerT): string[] {
  return [
    answer.question,
    answer.answer,
    ...answer.reasoning_trace.steps.flatMap((s) => [s.description, s.reasoning]),
    answer.reasoning_trace.conclusion,
    ...answer.business_rules,
  ];
}

export function judgeScenario1(
  answer: Scenario1AnswerT,
  code: string,
  options: GroundingOptions = {},
): GroundingVerdict {
  const normal = normaliseWhitespace(code);
  const missing: string[] = [];
  for (const [i, step] of answer.reasoning_trace.steps.entries()) {
    if (!quoted(step.code_reference, normal)) {
      const which = `step ${Number.isInteger(step.step_number) ? step.step_number : i + 1}`;
      missing.push(
        unquoted(step.code_reference) === ''
          ? `${which} quotes no code`
          : `${which} quotes ${shortQuote(step.code_reference)}, not in the code`,
      );
    }
  }
  if (options.identifiers !== false) {
    const words = new Set(code.match(WORDS) ?? []);
    const reported = new Set<string>();
    for (const text of prose(answer)) {
      for (const m of text.matchAll(BACKTICKED)) {
        const cited = m[1]!.trim();
        if (!IDENTIFIER.test(cited) || reported.has(cited)) continue;
        const names = cited.match(WORDS) ?? [];
        if (names.every((n) => words.has(n) || LITERALS.has(n))) continue;
        reported.add(cited);
        missing.push(`\`${cited}\` is not in the code`);
      }
    }
  }
  return { grounded: missing.length === 0, missing };
}
