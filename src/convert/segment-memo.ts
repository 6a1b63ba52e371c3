/**
 * The rendered text and escaped bytes of a template segment with one placeholder, kept for the
 * values it takes again. Most such segments take few values on real code: `Repository: <folder>`
 * is the same for a whole folder, the complexity line and the focus have three each. A segment
 * met again with the same value is then written as bytes already escaped and encoded, and its
 * text is the same string as before (known-text-counts.ts finds it without hashing it again),
 * instead of being rendered, JSON-escaped and encoded once more per slice. Exact: the segment's
 * text depends on that one value alone. A segment whose values do not repeat is given up after
 * a while (it costs a look-up per slice no more), and a store that fills is emptied.
 */
import { renderParts, type TemplatePart } from '../domain/prompt-template.ts';

/** Longer values (the code) are not kept: they rarely repeat. */
export const MAX_MEMO_VALUE_CHARS = 200;
/** Values held per segment before its store is emptied. */
export const MAX_MEMO_VALUES = 256;
/** Look-ups after which a segment hitting less than one time in four is given up. */
export const MEMO_TRIAL_LOOKUPS = 4096;

export interface RenderedSegment {
  readonly text: string;
  /** The text JSON-escaped (without quotes), as UTF-8. */
  readonly bytes: Buffer;
}

export interface SegmentMemo {
  /** The segment rendered for `values`, or undefined when it is not kept (render it). */
  get(values: Readonly<Record<string, string>>): RenderedSegment | undefined;
}

/** The JSON string escape of `text` without its quotes. */
export function escapedText(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** A memo for `parts`, or undefined when they read other than exactly one placeholder. */
export function createSegmentMemo(parts: readonly TemplatePart[]): SegmentMemo | undefined {
  const names = new Set(parts.flatMap((p) => (p.kind === 'slot' ? [p.name] : [])));
  if (names.size !== 1) return undefined;
  const [slot] = names as unknown as [string];
  const kept = new Map<string, RenderedSegment>();
  let lookups = 0;
  let hits = 0;
  let givenUp = false;
  return {
    get(values) {
      if (givenUp) return undefined;
      const value = values[slot] ?? '';
      lookups++;
      if (value.length > MAX_MEMO_VALUE_CHARS) return undefined;
      let rendered = kept.get(value);
      if (rendered !== undefined) {
        hits++;
        return rendered;
      }
      if (lookups >= MEMO_TRIAL_LOOKUPS && hits * 4 < lookups) {
        givenUp = true;
        kept.clear();
        return undefined;
      }
      if (kept.size >= MAX_MEMO_VALUES) kept.clear();
      const text = renderParts(parts, values);
      rendered = { text, bytes: Buffer.from(escapedText(text)) };
      kept.set(value, rendered);
      return rendered;
    },
  };
}
