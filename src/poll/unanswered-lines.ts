/**
 * Result lines with no HTTP answer: an error-file line with `status_code: 0` and an empty body
 * (undocumented; users report them while the batch's counts call those requests completed). Each
 * such request is sent again (request-fate.ts), and the batch's files then differ from its
 * counts by exactly those lines: the output file has that many lines fewer than `completed`,
 * the error file that many more than the rest. Those two count notes are explained, not a
 * mismatch: they are dropped, and the job keeps how many lines had no answer
 * (`unanswered_lines`), which `status` tells. Any other note stays. Pure.
 */
import type { ResultLine } from './request-fate.ts';

/** True for a line with a response but no HTTP status (`status_code: 0`, or none at all). */
export function hasNoHttpAnswer(line: ResultLine): boolean {
  return line.response !== null && !(line.response.status_code >= 100);
}

/** The note a result file's line count gets when it is not what request_counts says. */
export function lineCountNote(lines: number, expected: number): string {
  return `${lines} usable lines where request_counts says ${expected}`;
}

/** The notes that `unanswered` lines do not explain. */
export function unexplainedNotes(
  notes: readonly string[],
  counts: { readonly total: number; readonly completed: number },
  unanswered: number,
): string[] {
  if (unanswered === 0) return [...notes];
  const failed = counts.total - counts.completed;
  const explained = new Set([
    `results file: ${lineCountNote(counts.completed - unanswered, counts.completed)}`,
    `errors file: ${lineCountNote(failed + unanswered, failed)}`,
  ]);
  return notes.filter((n) => !explained.has(n));
}
