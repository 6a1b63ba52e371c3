/**
 * One line of a reviewed-slice file, decided (pure): the failure it is (rejected by the rejects
 * report of its file, not valid UTF-8, longer than the limit, not a slice), or its slice.
 */
import { parseSliceLine } from '../domain/parse-slice.ts';
import type { RejectEntry } from '../domain/rejects-entry.ts';
import type { Slice } from '../domain/slice-schema.ts';
import type { RawLine } from '../storage/jsonl-lines.ts';
import type { FailureEntry } from './failure-categories.ts';

export type ReviewedLine =
  | { readonly kind: 'failure'; readonly entry: FailureEntry }
  | { readonly kind: 'slice'; readonly slice: Slice };

export function reviewedLine(
  raw: RawLine,
  rejected: RejectEntry | undefined,
  repo: string,
  where: { readonly file: string; readonly line: number },
): ReviewedLine {
  const failure = (entry: Omit<FailureEntry, 'category' | 'repo' | 'file' | 'line'>) => ({
    kind: 'failure' as const,
    entry: { category: 'rejected' as const, ...entry, repo, ...where },
  });
  if (rejected !== undefined) {
    return failure({
      reason: rejected.reason,
      code: rejected.code,
      ...(rejected.id === undefined ? {} : { slice_id: rejected.id }),
      ...(rejected.duplicate_of === undefined ? {} : { duplicate_of: rejected.duplicate_of }),
    });
  }
  if (raw.kind === 'invalid_utf8') {
    return failure({ reason: `not valid UTF-8 (${raw.bytes} bytes)`, code: 'invalid_utf8' });
  }
  if (raw.kind === 'too_long') {
    return failure({
      reason: `line of ${raw.bytes} bytes is longer than the limit`,
      code: 'line_too_long',
    });
  }
  const parsed = parseSliceLine(raw.text);
  if (parsed.ok) return { kind: 'slice', slice: parsed.slice };
  return failure({
    reason: parsed.reason,
    code: parsed.code,
    ...(parsed.id === undefined ? {} : { slice_id: parsed.id }),
  });
}
