/**
 * What one line of a reviewed-slice file holds, whatever came before it: a reject (with the
 * reason), or a slice in its scenario, marked when it is too large for its model at any likely
 * count. Pure, so that either thread can read lines (the helper thread reads some chunks whole:
 * line-encoder.ts); what depends on the lines before (ids met before, the caps) is decided in
 * input order by slice-triage.ts.
 */
import type { Scenario } from '../domain/answer-schemas.ts';
import { parseSliceLine } from '../domain/parse-slice.ts';
import { scenarioOf } from '../domain/custom-id.ts';
import type { Slice } from '../domain/slice-schema.ts';
import { DEFAULT_MAX_LINE_BYTES } from '../storage/jsonl-lines.ts';
import type { RawLine } from '../storage/line-splitter.ts';
import type { RejectEntry } from './rejects-report.ts';

export type LineReject = Omit<RejectEntry, 'file' | 'line'>;

export type ReadLine =
  | { readonly kind: 'reject'; readonly entry: LineReject }
  | {
      readonly kind: 'slice';
      readonly slice: Slice;
      readonly scenario: Scenario;
      /** Set when it is too large to send (rejected once its id is checked: slice-triage.ts). */
      readonly tooLarge: LineReject | undefined;
    };

/** The model a scenario's requests go to, with its context and the slice size it allows. */
export interface ScenarioContext {
  readonly model: string;
  readonly contextTokens: number;
  /** Slices with more characters (code and docstring) are rejected before counting. */
  readonly maxChars: number;
}

/** Characters of the texts of a slice that grow without bound: its code and docstring. */
export function sliceChars(slice: Slice): number {
  return slice.code_snippet.length + (slice.context?.docstring?.length ?? 0);
}

const thousands = (n: number): string => n.toLocaleString('en-US');

export function readSliceLine(
  raw: RawLine,
  contexts?: Readonly<Record<Scenario, ScenarioContext>>,
): ReadLine {
  if (raw.kind === 'invalid_utf8') {
    return {
      kind: 'reject',
      entry: {
        code: 'invalid_utf8',
        reason: `not valid UTF-8 (${raw.bytes} bytes); the line was not read`,
      },
    };
  }
  if (raw.kind === 'too_long') {
    return {
      kind: 'reject',
      entry: {
        code: 'line_too_long',
        reason: `line of ${raw.bytes} bytes is longer than the ${DEFAULT_MAX_LINE_BYTES}-byte limit`,
      },
    };
  }
  return readSliceText(raw.text, contexts);
}

/** What a line read as text holds (readSliceLine). */
export function readSliceText(
  text: string,
  contexts?: Readonly<Record<Scenario, ScenarioContext>>,
): ReadLine {
  const parsed = parseSliceLine(text);
  if (!parsed.ok) {
    const { ok: _ok, ...entry } = parsed;
    return { kind: 'reject', entry };
  }
  const slice = parsed.slice;
  const scenario = scenarioOf(slice);
  const context = contexts?.[scenario];
  return {
    kind: 'slice',
    slice,
    scenario,
    tooLarge:
      context !== undefined && sliceChars(slice) > context.maxChars
        ? tooLargeEntry(slice, context)
        : undefined,
  };
}

/**
 * A slice too large for its model at any likely count. Not counted: counting takes time in
 * proportion to it, for a request the model cannot take.
 */
function tooLargeEntry(slice: Slice, context: ScenarioContext): LineReject {
  return {
    code: 'slice_too_large',
    reason:
      `code_snippet and docstring of ${thousands(sliceChars(slice))} characters: more than the ` +
      `${thousands(context.contextTokens)}-token context of ${context.model} at any ` +
      `likely count (over ${thousands(context.maxChars)} characters); not sent`,
    field: 'code_snippet',
    id: slice.id,
  };
}
