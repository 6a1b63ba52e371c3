/**
 * The duplicate store's SQLite table (duplicate-store.ts) and its error class:
 *
 *   not_sent  the duplicates not sent, with the prompt tokens they would have cost
 *
 * (The slices kept are in files of their own: duplicate-kept.ts.)
 */
import { SlicebatchError } from '../errors.ts';
import type { Database } from './sqlite.ts';

/** The store's file is not an SQLite database, or a damaged one; or its other files are. */
export class BrokenStoreError extends SlicebatchError {
  readonly file: string;
  /** The files to move aside: `file`, and those of no use without it. */
  readonly files: readonly string[];
  constructor(file: string, options?: ErrorOptions & { also?: readonly string[] }) {
    super('duplicate_store_broken', `${file}: not a readable duplicate store`, options);
    this.file = file;
    this.files = [file, ...(options?.also ?? [])];
  }
}

/**
 * The store holds as many slices as it can (its band table's slice numbers: 2^24): one more is
 * not kept, and nothing of it is written (the store stays readable as it is).
 */
export class DuplicateStoreFullError extends SlicebatchError {
  readonly dir: string | undefined;
  constructor(dir: string | undefined, most: number) {
    super(
      'duplicate_store_full',
      `the duplicate store${dir === undefined ? '' : ` in ${dir}`} holds ${most.toLocaleString('en-US')} slices, ` +
        'as many as it can: move that folder aside to start a new store (slices sent before are then ' +
        'not known to it), or set dedup.enabled to false',
    );
    this.dir = dir;
  }
}

/** SQLITE_CORRUPT, SQLITE_NOTADB. */
export const BROKEN_CODES = new Set([11, 26]);

export const SCHEMA = (s: string): string => `
  CREATE TABLE IF NOT EXISTS ${s}.not_sent (
    repo TEXT NOT NULL, slice_id TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
    scenario TEXT NOT NULL, model TEXT NOT NULL, prompt_tokens INTEGER NOT NULL,
    kind TEXT NOT NULL, similarity REAL NOT NULL, kept_repo TEXT NOT NULL, kept_id TEXT NOT NULL,
    at TEXT NOT NULL, PRIMARY KEY (repo, slice_id));`;

export interface SavedTotals {
  readonly scenario: string;
  readonly model: string;
  readonly requests: number;
  readonly promptTokens: number;
}

/** The duplicates not sent so far, by scenario and model. */
export function savedTotals(db: Database): SavedTotals[] {
  const rows = db
    .prepare(
      `SELECT scenario, model, COUNT(*) AS requests, SUM(prompt_tokens) AS tokens
       FROM main.not_sent GROUP BY scenario, model ORDER BY scenario, model`,
    )
    .all() as { scenario: string; model: string; requests: number; tokens: number }[];
  return rows.map((r) => ({
    scenario: r.scenario,
    model: r.model,
    requests: r.requests,
    promptTokens: r.tokens,
  }));
}
