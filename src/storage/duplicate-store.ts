/**
 * The slices sent so far, by fingerprint (domain/code-fingerprint.ts), and the duplicates that
 * were not sent, in the data folder's bookkeeping folder: the slices kept in two append-only
 * files (`duplicates.index`, `duplicates.data`: duplicate-kept.ts, with their lookup tables in
 * memory), the duplicates not sent in an SQLite file (`duplicates.sqlite`), so that a slice
 * that duplicates one sent last week is caught.
 *
 * Crash safety. A slice is kept *pending* when its request goes into a batch input file, and
 * it is made durable (fsynced) before that file is sealed (`commit`, which the conversion
 * calls before each seal). A pending slice is settled later: confirmed when a batch input file
 * of its repo folder holds it, dropped when none does (the run died before the file had its
 * final name). So after a kill at any point every slice in a batch input file is kept, and no
 * slice without one is: nothing is lost, and nothing is counted twice (a slice kept again with
 * the same code is not added; a duplicate not sent is one row per repo folder and slice id).
 *
 * A dry run (`estimate`) reads the files and keeps what it adds in files and tables of its own.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as Sqlite from 'node:sqlite';
import { loadSqlite, type Database } from './sqlite.ts';
import { BadLogFileError } from './duplicate-log.ts';
import {
  DATA_NAME,
  INDEX_NAME,
  openKeptSet,
  type KeptSet,
  type KeptSlice,
} from './duplicate-kept.ts';
import {
  BROKEN_CODES,
  BrokenStoreError,
  DuplicateStoreFullError,
  SCHEMA,
  savedTotals,
  type SavedTotals,
} from './duplicate-store-rows.ts';

export { BrokenStoreError, DuplicateStoreFullError };
export type { KeptSlice, SavedTotals };
export type {
  DuplicateMatch,
  DuplicateStore,
  DuplicateStoreOptions,
  NotSent,
} from './duplicate-store-types.ts';
import type { DuplicateStore, DuplicateStoreOptions } from './duplicate-store-types.ts';

export const DUPLICATE_STORE_NAME = 'duplicates.sqlite';

/** The files of the store whose SQLite file is at `path`: that file, its index, its data. */
export const duplicateStoreFiles = (path: string): string[] => [
  path,
  join(dirname(path), INDEX_NAME),
  join(dirname(path), DATA_NAME),
];

/**
 * Duplicates not sent held in one open transaction at most: committed then, without waiting
 * for a batch input file to be sealed (with every slice a duplicate none is), so a run that
 * dies loses fewer than this many of them.
 */
export const NOT_SENT_COMMIT_ROWS = 5000;

function openDatabase(
  DatabaseSync: typeof Sqlite.DatabaseSync,
  path: string,
  dry: boolean,
  present: boolean,
): Database {
  let db: Database | undefined;
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
    db.exec('PRAGMA busy_timeout = 10000;');
    db.exec(SCHEMA(dry && present ? 'temp' : 'main'));
    if (present) db.prepare('SELECT COUNT(*) FROM main.not_sent WHERE line < 0').get();
    return db;
  } catch (err) {
    db?.close();
    const code = (err as { errcode?: unknown }).errcode;
    if (typeof code === 'number' && BROKEN_CODES.has(code)) {
      throw new BrokenStoreError(path, { cause: err });
    }
    throw err;
  }
}

/**
 * The slices kept by a store of an earlier version (in its SQLite file, with signatures of
 * another kind): moved into the files of this one as slices to compare exactly (their tokens'
 * hash is the same), then their tables dropped.
 */
function moveEarlierKept(db: Database, kept: KeptSet): void {
  const old = db
    .prepare(`SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'kept'`)
    .get();
  if (old === undefined) return;
  const rows = db
    .prepare(`SELECT repo, slice_id, file, line, exact, at FROM main.kept WHERE pending = 0`)
    .iterate() as Iterable<{
    repo: string;
    slice_id: string;
    file: string;
    line: number;
    exact: Uint8Array;
    at: string;
  }>;
  for (const r of rows) {
    const b = Buffer.from(r.exact);
    const words = [b.readUInt32BE(0), b.readUInt32BE(4), b.readUInt32BE(8)] as const;
    const fp = { exact: b.toString('hex'), exactWords: words, tokens: 0, signature: undefined };
    kept.keep({ repo: r.repo, id: r.slice_id, file: r.file, line: r.line, at: r.at }, fp);
  }
  kept.confirm();
  db.exec('BEGIN; DROP TABLE IF EXISTS main.bands; DROP TABLE main.kept; COMMIT;');
}

/**
 * The kept slices in the files beside the SQLite file at `path` (none for `:memory:` or
 * `savedOnly`), with those of an earlier version's `db` moved in; files of another version
 * are a BrokenStoreError naming them.
 */
function openKeptBeside(
  path: string,
  db: Database,
  options: DuplicateStoreOptions,
  present: boolean,
): KeptSet {
  const dry = options.dryRun === true;
  const dir = path === ':memory:' || options.savedOnly === true ? undefined : dirname(path);
  let kept: KeptSet;
  try {
    kept = openKeptSet(dir, {
      dryRun: dry || dir === undefined,
      checkValues: options.checkValues,
      maxSlices: options.maxSlices,
      forecastWholeSlices: options.forecastWholeSlices,
    });
  } catch (err) {
    if (err instanceof BadLogFileError) {
      const dir = dirname(path);
      throw new BrokenStoreError(join(dir, INDEX_NAME), {
        cause: err,
        also: [join(dir, DATA_NAME)],
      });
    }
    throw err;
  }
  try {
    if (!dry && present) moveEarlierKept(db, kept);
  } catch (err) {
    kept.close();
    throw err;
  }
  return kept;
}

export async function openDuplicateStore(
  path: string,
  options: DuplicateStoreOptions,
): Promise<DuplicateStore> {
  const { DatabaseSync } = await loadSqlite();
  const dry = options.dryRun === true;
  const memory = path === ':memory:';
  const present = !memory && existsSync(path);
  const db = openDatabase(DatabaseSync, memory ? ':memory:' : path, dry, present);
  let kept: KeptSet;
  try {
    kept = openKeptBeside(path, db, options, present);
  } catch (err) {
    db.close();
    throw err;
  }
  const target = dry && present ? 'temp' : 'main';
  const insertNotSent = db.prepare(
    `INSERT OR REPLACE INTO ${target}.not_sent VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let lastAt: Date | undefined;
  let lastIso = '';
  const iso = (at: Date): string => {
    if (at !== lastAt) [lastAt, lastIso] = [at, at.toISOString()];
    return lastIso;
  };
  let open = false;
  /** Rows in the open transaction. */
  let rows = 0;
  const commit = (): void => {
    if (open) db.exec('COMMIT');
    open = false;
    rows = 0;
  };

  return {
    stats: kept.stats,
    progress: (share) => kept.progress(share),
    startRun: () => kept.startRun(),
    find(repo, id, fp) {
      const exact = kept.findExact(repo, id, fp);
      if (exact !== undefined) return { kind: 'exact', ...exact };
      const near = kept.findNear(repo, id, fp, options.nearThreshold);
      return near && { kind: 'near', ...near };
    },

    keep(slice, fp, at) {
      kept.keep({ ...slice, at: iso(at) }, fp);
    },

    notSent(e, at) {
      if (!open) db.exec('BEGIN');
      open = true;
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
        iso(at),
      );
      if (++rows >= NOT_SENT_COMMIT_ROWS && !dry) commit();
    },

    pendingRepos: () => kept.pendingRepos(),
    settle: (repo, converted) => kept.settle(repo, converted),

    commit() {
      if (dry) return;
      kept.commit();
      commit();
    },

    confirm() {
      if (dry) return;
      commit();
      kept.confirm();
    },

    close() {
      if (open) db.exec('ROLLBACK');
      open = false;
      rows = 0;
      kept.close();
      db.close();
    },

    saved: () => savedTotals(db),
    list: () => kept.list(),
  };
}
