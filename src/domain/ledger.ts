/**
 * The ledger of every slice's fate: one record per request of every finished batch (which
 * slice, which attempt, which batch, usable or not and why, where the result is), appended to
 * `.slicebatch/ledger.jsonl`. Status, the compiler and the failures report read it.
 *
 * Its fold (every slice's latest fate, for the compiler) is ledger-fates.ts.
 */
import type { Journal } from '../storage/journal.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';

/** The ledger's file, in the state folder (`.slicebatch/`). */
export const LEDGER_FILE = 'ledger.jsonl';

export interface LedgerRecord {
  readonly t: 'fate';
  /** The repo folder of the batch input file. */
  readonly repo: string;
  /** The reviewed-slice file of the slice (relative to the data folder), when known. */
  readonly source?: string;
  /** The custom_id without its attempt suffix: `scenario1_<slice id>`. */
  readonly custom_id: string;
  readonly attempt: number;
  readonly batch_id: string;
  readonly fate: 'usable' | 'retry' | 'final';
  readonly reason?: string;
  /** Relative to the data folder: the results file holding the usable response. */
  readonly results?: string;
  readonly at: number;
}

export type Ledger = Journal<LedgerRecord>;

export function ledgerKey(repo: string, customId: string): string {
  return `${repo}\u0000${customId}`;
}

export interface OpenFate {
  readonly repo: string;
  readonly custom_id: string;
  readonly attempt: number;
  readonly batch_id: string;
  readonly fate: 'retry' | 'final';
  readonly reason: string;
}

/** The ledger's records, streamed; a torn last line (a crash mid-append) is skipped, no file is none. */
export async function* readLedger(path: string): AsyncGenerator<LedgerRecord> {
  try {
    for await (const batch of readLineBatches(path)) {
      for (const line of batch) {
        if (line.kind !== 'text') continue;
        let r: LedgerRecord;
        try {
          r = JSON.parse(line.text) as LedgerRecord;
        } catch {
          continue; // a torn last line
        }
        yield r;
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
