/**
 * The slices sent so far, by fingerprint (domain/code-fingerprint.ts), and the duplicates that
 * were not sent: an SQLite file in the data folder's bookkeeping folder (`duplicates.sqlite`),
 * so that a slice that duplicates one sent last week is caught, with memory that does not grow
 * with it (SQLite's page cache).
 *
 * Crash safety. A slice is kept *pending* when its request goes into a batch input file, and
 * its row is committed (fsynced) before that file is sealed (`commit`, which the conversion
 * calls before each seal). A pending row is settled later: confirmed when a batch input file
 * of its repo folder holds the slice, dropped when none does (the run died before the file had
 * its final name). So after a kill at any point every slice in a batch input file has its row,
 * and no slice without one does: nothing is lost, and nothing is counted twice (one row per
 * repo folder and slice id).
 *
 * A dry run (`estimate`) opens the file read-only and keeps what it adds in temporary tables.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  bandKeys,
  minSharedBands,
  similarity,
  type CodeFingerprint,
} from '../domain/code-fingerprint.ts';
import { loadSqlite, type Database } from './sqlite.ts';
import { loadPrefilter, type Prefilter } from './duplicate-prefilter.ts';
import {
  BAND_VALUES,
  MAX_CANDIDATES,
  PER_BAND,
  BROKEN_CODES,
  BrokenStoreError,
  SCHEMA,
  exactKey,
  keptOf,
  signatureBytes,
  signatureOf,
  savedTotals,
  type KeptRow,
  type KeptSlice,
  type SavedTotals,
} from './duplicate-store-rows.ts';

export { BrokenStoreError };
export type { KeptSlice, SavedTotals };

export const DUPLICATE_STORE_NAME = 'duplicates.sqlite';

export interface DuplicateMatch {
  readonly kind: 'exact' | 'near';
  /** 1 for an exact duplicate; the estimated Jaccard similarity of a near one. */
  readonly similarity: number;
  readonly kept: KeptSlice;
}

/** A duplicate not sent: the tokens (and so the money) saved. */
export interface NotSent {
  readonly repo: string;
  readonly id: string;
  readonly file: string;
  readonly line: number;
  readonly scenario: string;
  readonly model: string;
  readonly promptTokens: number;
  readonly match: DuplicateMatch;
}

export interface DuplicateStore {
  /** The kept slice `fp` duplicates (not the slice itself), or undefined. */
  find(repo: string, id: string, fp: CodeFingerprint): DuplicateMatch | undefined;
  /** Keeps a slice whose request was placed (pending until settled or confirmed). */
  keep(slice: Omit<KeptSlice, 'at'>, fp: CodeFingerprint, at: Date): void;
  notSent(entry: NotSent, at: Date): void;
  /** The repo folders with pending slices (left by a run that did not finish). */
  pendingRepos(): string[];
  /** Settles the pending slices of a repo folder: kept if `converted(id)`, else dropped. */
  settle(repo: string, converted: (id: string) => boolean): void;
  /** Makes what was added durable (before a batch input file is sealed). */
  commit(): void;
  /** The run's batch input files are all sealed: its slices are kept for good. */
  confirm(): void;
  /** Drops what was not committed, and closes. */
  close(): void;
  saved(): SavedTotals[];
}

export interface DuplicateStoreOptions {
  readonly nearThreshold: number;
  /** Nothing is written: the file is read (if there is one), additions stay in memory. */
  readonly dryRun?: boolean;
}

export async function openDuplicateStore(
  path: string,
  options: DuplicateStoreOptions,
): Promise<DuplicateStore> {
  const { DatabaseSync } = await loadSqlite();
  const dry = options.dryRun === true;
  const present = existsSync(path);
  let db: Database | undefined;
  // Where additions go; lookups read every schema.
  const target = dry && present ? 'temp' : 'main';
  const schemas = dry && present ? ['main', 'temp'] : ['main'];
  try {
    if (dry && present) {
      db = new DatabaseSync(path, { readOnly: true });
    } else if (dry) {
      db = new DatabaseSync(':memory:');
    } else {
      mkdirSync(dirname(path), { recursive: true });
      db = new DatabaseSync(path);
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
    }
    db.exec('PRAGMA busy_timeout = 10000; PRAGMA cache_size = -32768;');
    db.exec(SCHEMA(target));
    if (present) db.prepare('SELECT COUNT(*) FROM main.kept WHERE ref < 0').get();
  } catch (err) {
    db?.close();
    const code = (err as { errcode?: unknown }).errcode;
    if (typeof code === 'number' && BROKEN_CODES.has(code)) {
      throw new BrokenStoreError(path, { cause: err });
    }
    throw err;
  }

  const exactQ = schemas.map((s) =>
    db.prepare(
      `SELECT repo, slice_id, file, line, at FROM ${s}.kept
       WHERE exact = ? AND NOT (repo = ? AND slice_id = ?) ORDER BY ref LIMIT 1`,
    ),
  );
  const bandQ = schemas.map((s) =>
    db.prepare(`SELECT ref FROM ${s}.bands WHERE key = ? LIMIT ${PER_BAND}`),
  );
  const rowQ = schemas.map((s) =>
    db.prepare(
      `SELECT ref, repo, slice_id, file, line, at, signature FROM ${s}.kept
       WHERE ref IN (SELECT value FROM json_each(?))`, // the candidates, one statement
    ),
  );
  const insertKept = db.prepare(
    `INSERT INTO ${target}.kept (repo, slice_id, file, line, exact, signature, pending, at)
     VALUES (?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (repo, slice_id) DO NOTHING`,
  );
  const insertBands = db.prepare(
    `INSERT OR IGNORE INTO ${target}.bands (key, ref) VALUES ${BAND_VALUES}`,
  );
  const insertNotSent = db.prepare(
    `INSERT OR REPLACE INTO ${target}.not_sent VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let open = false;
  const begin = (): void => {
    if (!open) db.exec('BEGIN');
    open = true;
  };
  const commit = (): void => {
    if (open) db.exec('COMMIT');
    open = false;
  };

  const minShared = minSharedBands(options.nearThreshold);
  // Most slices have no key in common with any kept: they are looked up without a query.
  let pf: Prefilter | undefined;
  return {
    find(repo, id, fp) {
      pf ??= loadPrefilter(db, schemas);
      const exact = exactKey(fp);
      for (const q of pf.mayHaveExact(exact) ? exactQ : []) {
        const row = q.get(exact, repo, id) as KeptRow | undefined;
        if (row !== undefined) return { kind: 'exact', similarity: 1, kept: keptOf(row) };
      }
      if (fp.signature === undefined) return undefined;
      // Only the keys some kept slice may have (most slices: none, and no query).
      const present = bandKeys(fp.signature).filter((key) => pf!.mayHaveBand(key));
      if (present.length < minShared) return undefined;
      let best: DuplicateMatch | undefined;
      let bestRef = 0;
      for (let q = 0; q < schemas.length; q++) {
        // The slices that share a band with it (one index lookup per band, PER_BAND slices at
        // most), then the first MAX_CANDIDATES that share enough bands, compared.
        const shared = new Map<number, number>();
        for (const key of present) {
          for (const r of bandQ[q]!.all(key) as { ref: number }[]) {
            shared.set(r.ref, (shared.get(r.ref) ?? 0) + 1);
          }
        }
        const refs = [...shared].filter(([, n]) => n >= minShared).map(([ref]) => ref);
        if (refs.length === 0) continue;
        const rows = rowQ[q]!.all(
          JSON.stringify(refs.slice(0, MAX_CANDIDATES)),
        ) as unknown as KeptRow[];
        for (const row of rows) {
          const ref = row.ref!;
          if (row.signature == null || (row.repo === repo && row.slice_id === id)) continue;
          const s = similarity(fp.signature, signatureOf(row.signature));
          // The most similar; of equals, the first kept.
          const better =
            best === undefined || s > best.similarity || (s === best.similarity && ref < bestRef);
          if (s >= options.nearThreshold && better) {
            best = { kind: 'near', similarity: s, kept: keptOf(row) };
            bestRef = ref;
          }
        }
      }
      return best;
    },

    keep(slice, fp, at) {
      begin();
      const sig = fp.signature === undefined ? null : signatureBytes(fp.signature);
      const r = insertKept.run(
        slice.repo,
        slice.id,
        slice.file,
        slice.line,
        exactKey(fp),
        sig,
        at.toISOString(),
      );
      if (r.changes === 0) return;
      if (fp.signature !== undefined) {
        const ref = r.lastInsertRowid;
        insertBands.run(...bandKeys(fp.signature).flatMap((key) => [key, ref]));
      }
      pf?.add(fp);
    },

    notSent(e, at) {
      begin();
      insertNotSent.run(
        e.repo,
        e.id,
        e.file,
        e.line,
        e.scenario,
        e.model,
        e.promptTokens,
        e.match.kind,
        e.match.similarity,
        e.match.kept.repo,
        e.match.kept.id,
        at.toISOString(),
      );
    },

    pendingRepos() {
      const rows = db
        .prepare(`SELECT DISTINCT repo FROM ${target}.kept WHERE pending = 1`)
        .all() as { repo: string }[];
      return rows.map((r) => r.repo);
    },

    settle(repo, converted) {
      if (dry) return; // nothing of a dry run's own is pending across runs
      const rows = db
        .prepare(`SELECT ref, slice_id, signature FROM kept WHERE pending = 1 AND repo = ?`)
        .all(repo) as { ref: number; slice_id: string; signature: Uint8Array | null }[];
      begin();
      const confirmOne = db.prepare('UPDATE kept SET pending = 0 WHERE ref = ?');
      const dropOne = db.prepare('DELETE FROM kept WHERE ref = ?');
      const dropBand = db.prepare('DELETE FROM bands WHERE key = ? AND ref = ?');
      for (const row of rows) {
        if (converted(row.slice_id)) {
          confirmOne.run(row.ref);
          continue;
        }
        dropOne.run(row.ref);
        if (row.signature === null) continue;
        for (const key of bandKeys(signatureOf(row.signature))) dropBand.run(key, row.ref);
      }
      commit();
    },

    commit() {
      if (!dry) commit();
    },

    confirm() {
      if (dry) return;
      begin();
      db.exec('UPDATE kept SET pending = 0 WHERE pending = 1');
      commit();
    },

    close() {
      if (open) db.exec('ROLLBACK');
      open = false;
      db.close();
    },

    saved: () => savedTotals(db),
  };
}
