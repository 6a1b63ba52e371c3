/**
 * Every request's latest fate, folded from the ledger: the compiler's one source of truth for
 * which result is usable (it does not judge answers again).
 *
 *   open     the slices whose latest fate is not usable (retry or final, with the reason): a
 *            Map, as foldLedger keeps it (memory follows the failures);
 *   usable   the attempt whose result is usable, per slice: a compact table of 64-bit
 *            fingerprints (two independent 32-bit hashes of the ledger key) and the attempt,
 *            12 bytes per slot (16 to 32 bytes per usable slice at most 3/4 full) instead of
 *            ~150 bytes per entry of a Map of strings. Two keys share a fingerprint with
 *            probability 2^-64 per pair.
 *
 * A result the ledger has no fate for is `unrecorded`: the poller appends the fates of a batch
 * before it marks the batch handled, so a handled batch's results are always in a ledger read
 * after its job file.
 */
import { hashA, hashB } from '../storage/text-fingerprint.ts';
import { ledgerKey, readLedger, type OpenFate } from './ledger.ts';

const WORDS = 3;

/** Slice (ledger key) → the attempt of its usable result. */
export class UsableFates {
  private table: Uint32Array;
  private mask: number;
  private count = 0;

  constructor() {
    this.table = new Uint32Array(16 * WORDS);
    this.mask = 15;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.byteLength;
  }

  private probe(key: string): { slot: number; a: number; b: number; found: boolean } {
    const a = hashA(key);
    let b = hashB(key);
    if (a === 0 && b === 0) b = 1;
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const ta = this.table[slot * WORDS]!;
      const tb = this.table[slot * WORDS + 1]!;
      if (ta === 0 && tb === 0) return { slot, a, b, found: false };
      if (ta === a && tb === b) return { slot, a, b, found: true };
      slot = (slot + 1) & this.mask;
    }
  }

  /** Records that `key`'s result of `attempt` is usable (the latest record wins). */
  set(key: string, attempt: number): void {
    const { slot, a, b, found } = this.probe(key);
    this.table.set([a, b, attempt >>> 0], slot * WORDS);
    if (found) return;
    this.count++;
    if (this.count * 4 > (this.mask + 1) * 3) this.grow();
  }

  /** The attempt whose result is usable, or undefined. */
  get(key: string): number | undefined {
    const { slot, found } = this.probe(key);
    return found ? this.table[slot * WORDS + 2]! : undefined;
  }

  private grow(): void {
    const old = this.table;
    const cap = (this.mask + 1) * 2;
    this.table = new Uint32Array(cap * WORDS);
    this.mask = cap - 1;
    for (let i = 0; i < old.length; i += WORDS) {
      const a = old[i]!;
      const b = old[i + 1]!;
      if (a === 0 && b === 0) continue;
      let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
      while (this.table[slot * WORDS] !== 0 || this.table[slot * WORDS + 1] !== 0) {
        slot = (slot + 1) & this.mask;
      }
      this.table.set(old.subarray(i, i + WORDS), slot * WORDS);
    }
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
