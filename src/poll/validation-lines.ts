/**
 * A batch that failed validation with every error naming a line of its input file
 * (`errors.data[].line`, from 1: a model other than the file's, a url other than the endpoint,
 * a duplicate custom_id): nothing of it ran or was billed. The request on each named line is
 * final with its own error, naming the file and the line (the same line would fail the same
 * way); the others were not at fault and are sent again, in a retry file without the bad lines
 * (within `retry.max_attempts`), so one bad line no longer loses the whole file.
 *
 * When an error names no line (an empty file, too many requests), nothing tells the good lines
 * from the bad: every request is final, as handle-ended-job.ts does. The API reports a bounded
 * number of errors: a bad line it did not name is sent again and named the next time.
 */
import type { JobRecord } from '../jobs/job-record.ts';
import type { LedgerRecord } from '../domain/ledger.ts';
import { customIdOfLine } from '../domain/batch-input-ids.ts';
import { parseCustomId } from '../domain/custom-id.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { FateTally } from './fate-tally.ts';
import type { FateRecorder } from './fate-records.ts';
import { withinAttempts, type Fate } from './request-fate.ts';
import type { SentRequests } from './sent-requests.ts';
import { shortened } from '../format.ts';

/** The errors by line number, or undefined when any error names no line. Pure. */
export function errorsByLine(errors: JobRecord['errors']): Map<number, string> | undefined {
  if (errors === null || errors.length === 0) return undefined;
  const byLine = new Map<number, string>();
  for (const e of errors) {
    // The enqueued-token limit is the submitter's (the file goes back in line), whatever it names.
    if (e.code === 'token_limit_exceeded') return undefined;
    const line = e.line;
    if (typeof line !== 'number' || !Number.isInteger(line) || line < 1) return undefined;
    const param = e.param ? ` (${e.param})` : '';
    const told = `${e.code ?? 'error'}${param}: ${e.message ?? ''}`;
    const before = byLine.get(line);
    byLine.set(line, before === undefined ? told : `${before}; ${told}`);
  }
  return byLine;
}

export interface ValidationLinesContext {
  readonly job: JobRecord;
  readonly inputPath: string;
  readonly sent: SentRequests;
  readonly record: FateRecorder;
  readonly appendMany: (records: LedgerRecord[]) => Promise<unknown>;
  readonly maxAttempts: number;
}

/**
 * Each request's fate, by the line it is on, appended to the ledger; the tally says which
 * are sent again.
 */
export async function fatesByLine(
  byLine: ReadonlyMap<number, string>,
  ctx: ValidationLinesContext,
): Promise<FateTally> {
  const { job, sent, record } = ctx;
  const tally = new FateTally(sent.size);
  const named = [...byLine.keys()].sort((a, b) => a - b);
  const others = `not run: the batch failed validation on other lines (${named.slice(0, 5).join(', ')}${named.length > 5 ? ', …' : ''} of ${job.batch_file})`;
  for await (const batch of readLineBatches(ctx.inputPath)) {
    const records: LedgerRecord[] = [];
    for (const raw of batch) {
      if (raw.kind !== 'text') continue;
      const id = customIdOfLine(raw.text);
      if (id === undefined) continue;
      const index = sent.indexOf(id);
      // A line that repeats an earlier custom_id is not the request (sent-requests.ts).
      if (index === -1 || sent.lineOf(index).offset !== (raw.offset ?? 0)) continue;
      if (!tally.firstLine(index)) continue;
      const attempt = parseCustomId(id, job.request_attempt).attempt;
      const error = byLine.get(raw.lineNo);
      const fate: Fate =
        error !== undefined
          ? {
              kind: 'final',
              reason: `the batch failed validation at line ${raw.lineNo} of ${job.batch_file}: ${shortened(error, 300)}`,
            }
          : withinAttempts({ kind: 'retry', reason: others }, attempt, ctx.maxAttempts);
      tally.count(index, fate, attempt);
      records.push(record(id, index, fate));
    }
    await ctx.appendMany(records);
  }
  return tally;
}
