/**
 * What happens to each line of a reviewed-slice file: rejected (with the reason), skipped
 * (converted by an earlier run, or over the --max-scenario caps), or converted in its scenario.
 * Pure apart from the state it keeps: the ids of the current repo folder and the caps taken.
 */
import { DEFAULT_MAX_LINE_BYTES, type RawLine } from '../storage/jsonl-lines.ts';
import { parseSliceLine } from '../domain/parse-slice.ts';
import type { SeenSliceIds } from '../domain/seen-slice-ids.ts';
import type { Slice } from '../domain/slice-schema.ts';
import { CONVERTED_EARLIER } from './converted-slices.ts';
import type { RejectEntry } from './rejects-report.ts';
import { scenarioOf } from './request-builder.ts';
import type { Scenario } from '../domain/answer-schemas.ts';

export type Triage =
  | { readonly kind: 'reject'; readonly entry: Omit<RejectEntry, 'file' | 'line'> }
  | { readonly kind: 'already_converted' }
  | { readonly kind: 'over_cap' }
  | { readonly kind: 'convert'; readonly slice: Slice; readonly scenario: Scenario };

/** Added to the line number of a slice sent by an earlier run and met again in this one. */
const SENT_EARLIER = 0x8000_0000;

export interface TriageSource {
  readonly index: number;
}

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

export function createSliceTriage(
  caps: Readonly<Record<Scenario, number>>,
  sourceName: (index: number) => string | undefined,
  contexts?: Readonly<Record<Scenario, ScenarioContext>>,
) {
  const taken: Record<Scenario, number> = { scenario1: 0, scenario2: 0 };
  let seen: SeenSliceIds | undefined;

  return {
    /** A new repo folder: `ids` holds its slices converted earlier. */
    startFolder(ids: SeenSliceIds): void {
      seen = ids;
    },

    triage(raw: RawLine, source: TriageSource): Triage {
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
      const parsed = parseSliceLine(raw.text);
      if (!parsed.ok) {
        const { ok: _ok, ...entry } = parsed;
        return { kind: 'reject', entry };
      }
      if (seen === undefined) throw new Error('triage before startFolder');
      const slice = parsed.slice;
      const first = seen.get(slice.id);
      if (first?.source === CONVERTED_EARLIER) {
        // Sent by an earlier run: skipped. Remember where this run met it, so that a second
        // line with this id in the same file is still a duplicate of this one.
        seen.set(slice.id, { source: source.index, lineNo: raw.lineNo + SENT_EARLIER });
        return { kind: 'already_converted' };
      }
      if (first !== undefined && first.lineNo >= SENT_EARLIER && first.source !== source.index) {
        // Sent by an earlier run and met in another file of this run: skipped there too, as
        // it would be had the two files come in different runs.
        return { kind: 'already_converted' };
      }
      if (first !== undefined) {
        const firstLine = first.lineNo >= SENT_EARLIER ? first.lineNo - SENT_EARLIER : first.lineNo;
        return {
          kind: 'reject',
          entry: {
            code: 'duplicate_id',
            reason: `duplicate id ${JSON.stringify(slice.id)} (first seen in ${sourceName(first.source)} line ${firstLine})`,
            field: 'id',
            id: slice.id,
          },
        };
      }
      const scenario = scenarioOf(slice);
      const context = contexts?.[scenario];
      const chars = sliceChars(slice);
      if (context !== undefined && chars > context.maxChars) {
        // Not counted: counting takes time in proportion to it, for a request the model cannot
        // take. Not remembered either, as other rejected lines.
        return {
          kind: 'reject',
          entry: {
            code: 'slice_too_large',
            reason:
              `code_snippet and docstring of ${thousands(chars)} characters: more than the ` +
              `${thousands(context.contextTokens)}-token context of ${context.model} at any ` +
              `likely count (over ${thousands(context.maxChars)} characters); not sent`,
            field: 'code_snippet',
            id: slice.id,
          },
        };
      }
      // Not converted, so not remembered: a later run with a larger cap converts it.
      if (taken[scenario] >= caps[scenario]) return { kind: 'over_cap' };
      taken[scenario]++;
      seen.add(slice.id, { source: source.index, lineNo: raw.lineNo });
      return { kind: 'convert', slice, scenario };
    },
  };
}
