/**
 * The ledger of every slice's fate: one record per request of every finished batch (which
 * slice, which attempt, which batch, usable or not and why, where the result is), appended to
 * `.slicebatch/ledger.jsonl`. Status, the compiler and the failures report read it.
 *
 * Folding keeps only the slices without a usable result: a slice is usable at most once (it
 * is never sent again), so memory follows the failures, not the dataset.
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

/**
 * The slices whose latest fate is not usable (waiting for a retry, or final). Records come in
 * the order their batches finished, so a later attempt's record follows the earlier ones.
 */
export async function foldLedger(path: string): Promise<Map<string, OpenFate>> {
  const open = new Map<string, OpenFate>();
  for await (const r of readLedger(path)) {
    const key = ledgerKey(r.repo, r.custom_id);
    if (r.fate === 'usable') {
      open.delete(key);
      continue;
    }
    const prev = open.get(key);
    if (prev !== undefined && prev.attempt > r.attempt) continue;
    open.set(key, {
      repo: r.repo,
      custom_id: r.custom_id,
      attempt: r.attempt,
      batch_id: r.batch_id,
      fate: r.fate,
      reason: r.reason ?? '',
    });
  }
  return open;
}
