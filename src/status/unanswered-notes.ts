/**
 * What `status` says of a batch whose result lines had no HTTP answer (`status_code: 0`,
 * counted completed by the API; poll/unanswered-lines.ts): those requests were sent again, and
 * its counts and files differ by exactly those lines. Told as a note, not as a result mismatch
 * that needs a person; beside a real mismatch, told in its message. Pure.
 */
import { plural } from '../format.ts';
import type { JobRecord } from '../jobs/job-record.ts';

/** The lines without an answer, as said of a batch (empty when none). */
export function unansweredWords(job: JobRecord): string {
  const n = job.unanswered_lines ?? 0;
  if (n === 0) return '';
  return `${plural(n, 'request')} had no HTTP answer (status_code 0) although request_counts counted ${n === 1 ? 'it' : 'them'} completed: sent again (while retry.max_attempts allows)`;
}

/** The note of a handled batch whose files and counts differ only by such lines. */
export function unansweredNotes(job: JobRecord): { kind: string; message: string }[] {
  const words = unansweredWords(job);
  if (!job.done || words === '' || (job.result_notes?.length ?? 0) > 0) return [];
  return [
    {
      kind: 'requests_unanswered',
      message: `batch ${job.batch_id} (${job.batch_file}): ${words}; its result files differ from its counts by those lines`,
    },
  ];
}
