/**
 * The tables of the duplicate store (duplicate-store.ts) and its rows to and from values.
 *
 *   kept      a slice sent (or pending: about to be), by repo folder and slice id, with the
 *             16-byte hash of its tokens and its MinHash signature (SLOTS 32-bit slots)
 *   bands     its LSH band keys (domain/code-fingerprint.ts), the way to its near duplicates
 *   not_sent  the duplicates not sent, with the prompt tokens they would have cost
 */
import { BANDS, type CodeFingerprint } from '../domain/code-fingerprint.ts';
import { SlicebatchError } from '../errors.ts';
import type { Database } from './sqlite.ts';

/** A slice sent (or about to be): the one a duplicate is a duplicate of. */
export interface KeptSlice {
  readonly repo: string;
  readonly id: string;
  readonly file: string;
  readonly line: number;
  /** When it was converted (ISO). */
  readonly at: string;
}

/** The store's file is not an SQLite database, or a damaged one. */
export class BrokenStoreError extends SlicebatchError {
  readonly file: string;
  constructor(file: string, options?: ErrorOptions) {
    super('duplicate_store_broken', `${file}: not a readable duplicate store`, options);
    this.file = file;
  }
}

/** SQLITE_CORRUPT, SQLITE_NOTADB. */
export const BROKEN_CODES = new Set([11, 26]);

/** Candidates compared per slice at most (a band shared by many slices of boilerplate). */
export const MAX_CANDIDATES = 64;
/** Slices taken per band key at most: a key shared by many slices is boilerplate. */
export const PER_BAND = 8;
export const BAND_VALUES = Array.from({ length: BANDS }, () => '(?, ?)').join(', ');

export const SCHEMA = (s: string): string => `
  CREATE TABLE IF NOT EXISTS ${s}.kept (
    ref INTEGER PRIMARY KEY,
    repo TEXT NOT NULL, slice_id TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
    exact BLOB NOT NULL, signature BLOB, pending INTEGER NOT NULL, at TEXT NOT NULL,
    UNIQUE (repo, slice_id));
  CREATE INDEX IF NOT EXISTS ${s}.kept_exact ON kept (exact);
  CREATE INDEX IF NOT EXISTS ${s}.kept_pending ON kept (repo) WHERE pending = 1;
  CREATE TABLE IF NOT EXISTS ${s}.bands (
    key INTEGER NOT NULL, ref INTEGER NOT NULL, PRIMARY KEY (key, ref)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS ${s}.not_sent (
    repo TEXT NOT NULL, slice_id TEXT NOT NULL, file TEXT NOT NULL, line INTEGER NOT NULL,
    scenario TEXT NOT NULL, model TEXT NOT NULL, prompt_tokens INTEGER NOT NULL,
    kind TEXT NOT NULL, similarity REAL NOT NULL, kept_repo TEXT NOT NULL, kept_id TEXT NOT NULL,
    at TEXT NOT NULL, PRIMARY KEY (repo, slice_id));`;

export const exactKey = (fp: CodeFingerprint): Uint8Array =>
  Buffer.from(fp.exact.slice(0, 32), 'hex');

export const signatureBytes = (sig: Uint32Array): Uint8Array =>
  new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);

export function signatureOf(bytes: Uint8Array): Uint32Array {
  const copy = new Uint8Array(bytes); // aligned
  return new Uint32Array(copy.buffer, 0, copy.byteLength / 4);
}

export interface KeptRow {
  ref?: number;
  repo: string;
  slice_id: string;
  file: string;
  line: number;
  at: string;
  signature?: Uint8Array | null;
}

export const keptOf = (r: KeptRow): KeptSlice => ({
  repo: r.repo,
  id: r.slice_id,
  file: r.file,
  line: r.line,
  at: r.at,
});

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
