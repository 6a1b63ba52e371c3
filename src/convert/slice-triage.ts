/**
 * Which slices of the lines read are converted, in input order: skipped when converted by an
 * earlier run or over the --max-scenario caps, rejected when their id was met before in this run
 * (or when too large: slice-reading.ts), converted otherwise. It keeps the state that depends
 * on the lines before: the caps taken and, per repo folder, the ids met (a folder's ids
 * travel with its files, so a chunk of one folder can be placed after the next folder's
 * files were opened).
 */
import type { SeenSliceIds } from '../domain/seen-slice-ids.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import { CONVERTED_EARLIER } from './converted-slices.ts';
import type { LineReject } from './slice-reading.ts';

export type Admission =
  | { readonly kind: 'reject'; readonly entry: LineReject }
  | { readonly kind: 'already_converted' }
  | { readonly kind: 'over_cap' }
  | { readonly kind: 'convert' };

/** Added to the line number of a slice sent by an earlier run and met again in this one. */
const SENT_EARLIER = 0x8000_0000;

/** A slice read, where it was read. */
export interface SliceAt {
  readonly id: string;
  readonly scenario: Scenario;
  /** The input file's index (its name: `sourceName`). */
  readonly source: number;
  readonly lineNo: number;
  /** Its reject when it is too large to send (slice-reading.ts). */
  readonly tooLarge?: LineReject | undefined;
}

export function createSliceTriage(
  caps: Readonly<Record<Scenario, number>>,
  sourceName: (index: number) => string | undefined,
) {
  const taken: Record<Scenario, number> = { scenario1: 0, scenario2: 0 };

  return {
    /** Whether a cap is set: slices over it are read but not converted. */
    capped: caps.scenario1 !== Infinity || caps.scenario2 !== Infinity,

    /**
     * Whether `admit` will not convert this slice, whatever is admitted before it (the ids met
     * and the caps taken only grow): its request need not be made. Changes nothing.
     */
    turnsAway(seen: SeenSliceIds, id: string, scenario: Scenario): boolean {
      return taken[scenario] >= caps[scenario] || seen.get(id) !== undefined;
    },

    /** What becomes of a slice of the folder whose ids are `seen`, taken in input order. */
    admit(seen: SeenSliceIds, at: SliceAt): Admission {
      const first = seen.get(at.id);
      if (first?.source === CONVERTED_EARLIER) {
        // Sent by an earlier run: skipped. Remember where this run met it, so that a second
        // line with this id in the same file is still a duplicate of this one.
        seen.set(at.id, { source: at.source, lineNo: at.lineNo + SENT_EARLIER });
        return { kind: 'already_converted' };
      }
      if (first !== undefined && first.lineNo >= SENT_EARLIER && first.source !== at.source) {
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
            reason: `duplicate id ${JSON.stringify(at.id)} (first seen in ${sourceName(first.source)} line ${firstLine})`,
            field: 'id',
            id: at.id,
          },
        };
      }
      // Not remembered, as other rejected lines.
      if (at.tooLarge !== undefined) return { kind: 'reject', entry: at.tooLarge };
      // Not converted, so not remembered: a later run with a larger cap converts it.
      if (taken[at.scenario] >= caps[at.scenario]) return { kind: 'over_cap' };
      taken[at.scenario]++;
      seen.add(at.id, { source: at.source, lineNo: at.lineNo });
      return { kind: 'convert' };
    },
  };
}

export type SliceTriage = ReturnType<typeof createSliceTriage>;
