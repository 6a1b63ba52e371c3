/**
 * Every request's latest fate, folded from the ledger: the compiler's one source of truth for
 * which result is usable (it does not judge answers again).
 *
 *   open     the slices whose latest fate is not usable (retry or final, with the reason): a
 *            Map, as foldLedger keeps it (memory follows the failures);
 *   usable   the attempt whose result is usable, per slice: a compact table of 64-bit
 *            fingerprints of the ledger key and the attempt (storage/fingerprint-table.ts),
 *            12 bytes per slot (16 to 32 bytes per usable slice at most 3/4 full) instead of
 *            ~150 bytes per entry of a Map of strings. Two keys share a fingerprint with
 *            probability 2^-64 per pair.
 *
 * A result the ledger has no fate for is `unrecorded`: the poller appends the fates of a batch
 * before it marks the batch handled, so a handled batch's results are always in a ledger read
 * after its job file.
 */
import { FingerprintTable } from '../storage/fingerprint-table.ts';
import { ledgerKey, readLedger, type OpenFate } from './ledger.ts';

/** Slice (ledger key) → the attempt of its usable result. */
export class UsableFates {
  private readonly table = new FingerprintTable(1);

  get size(): number {
    return this.table.size;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.bytes;
  }

  /** Records that `key`'s result of `attempt` is usable (the latest record wins). */
  set(key: string, attempt: number): void {
    this.table.setWord(this.table.insert(key).slot, 0, attempt);
  }

  /** The attempt whose result is usable, or undefined. */
  get(key: string): number | undefined {
    const slot = this.table.find(key);
    return slot === -1 ? undefined : this.table.word(slot, 0);
  }
}

export interface LedgerFates {
  readonly open: ReadonlyMap<string, OpenFate>;
  readonly usable: UsableFates;
}

/** What the ledger says of one result line (the slice's, of `attempt`). */
export type ResultFate =
  | { readonly kind: 'usable' }
  | { readonly kind: 'not_usable'; readonly fate: OpenFate }
  | { readonly kind: 'unrecorded' };

/**
 * The ledger's fate of `repo`'s result of `attempt` for `customId` (base): not usable when the
 * latest fate of that attempt or a later one is retry or final, usable when the ledger says so
 * of that attempt, else unrecorded.
 */
export function resultFate(
  fates: LedgerFates,
  repo: string,
  customId: string,
  attempt: number,
): ResultFate {
  const key = ledgerKey(repo, customId);
  const open = fates.open.get(key);
  if (open !== undefined && open.attempt >= attempt) return { kind: 'not_usable', fate: open };
  if (fates.usable.get(key) === attempt) return { kind: 'usable' };
  return { kind: 'unrecorded' };
}

/** The ledger folded (its records stream by: memory follows the fates, never the file). */
export async function foldLedgerFates(path: string): Promise<LedgerFates> {
  const open = new Map<string, OpenFate>();
  const usable = new UsableFates();
  for await (const r of readLedger(path)) {
    const key = ledgerKey(r.repo, r.custom_id);
    if (r.fate === 'usable') {
      open.delete(key);
      usable.set(key, r.attempt);
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
  return { open, usable };
}
