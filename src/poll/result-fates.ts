/**
 * Every request of an ended batch given its fate, streamed: from the lines of its output and
 * error files (the first line naming a custom_id we sent decides it), then the requests no
 * line spoke of, in the input file's order. Each read chunk's fates are counted in the tally
 * and appended to the ledger together.
 */
import { readLineBatches } from '../storage/jsonl-lines.ts';
import type { Ledger, LedgerRecord } from '../domain/ledger.ts';
import { parseCustomId } from '../domain/custom-id.ts';
import { withinAttempts, type Fate, type ResultLine } from './request-fate.ts';
import type { SentRequests } from './sent-requests.ts';
import type { FateTally } from './fate-tally.ts';
import type { FateRecorder } from './fate-records.ts';

export interface ResultFatesContext {
  readonly sent: SentRequests;
  readonly tally: FateTally;
  readonly record: FateRecorder;
  readonly ledger: Ledger;
  readonly requestAttempt: number;
  readonly maxAttempts: number;
}

/**
 * The fates told by the result file at `path` (`rel`: its name in the ledger). `judge` is a
 * line's fate before the attempts are counted.
 */
export async function fatesFromFile(
  path: string,
  rel: string,
  judge: (line: ResultLine) => Fate,
  ctx: ResultFatesContext,
): Promise<void> {
  const { sent, tally, record } = ctx;
  for await (const batch of readLineBatches(path)) {
    const records: LedgerRecord[] = [];
    for (const raw of batch) {
      if (raw.kind !== 'text') continue;
      let line: ResultLine;
      try {
        line = JSON.parse(raw.text) as ResultLine;
      } catch {
        continue; // noted by the verification
      }
      // Only a custom_id we sent, once, decides a fate (the first line of it).
      if (typeof line.custom_id !== 'string') continue;
      const index = sent.indexOf(line.custom_id);
      if (index === -1 || !tally.firstLine(index)) continue;
      const attempt = parseCustomId(line.custom_id, ctx.requestAttempt).attempt;
      const fate = withinAttempts(judge(line), attempt, ctx.maxAttempts);
      tally.count(index, fate, attempt);
      records.push(record(line.custom_id, index, fate, fate.kind === 'usable' ? rel : undefined));
    }
    await ctx.ledger.appendMany(records);
  }
}

/** The requests no line spoke of, sent again while attempts are left. Returns how many. */
export async function fatesOfMissing(ctx: ResultFatesContext): Promise<number> {
  const { sent, tally, record } = ctx;
  // The input file is read again only when any.
  if (!tally.anyUnseen()) return 0;
  let missing = 0;
  for await (const ids of sent.ids()) {
    const records: LedgerRecord[] = [];
    for (const { index, id } of ids) {
      if (tally.seen(index)) continue;
      const attempt = parseCustomId(id, ctx.requestAttempt).attempt;
      const fate = withinAttempts(
        { kind: 'retry', reason: 'in neither the output nor the error file' },
        attempt,
        ctx.maxAttempts,
      );
      tally.count(index, fate, attempt);
      records.push(record(id, index, fate));
    }
    missing += records.length;
    await ctx.ledger.appendMany(records);
  }
  return missing;
}
