/**
 * The search index of the review page: one SQLite file (`.slicebatch/review-index.sqlite`,
 * node:sqlite) with a row per line of the reviewed files (its slice's fields, where the line
 * is, and where the slice stands), the requests of the batch input files and the answers of
 * the results files, each by byte offset, and a trigram full-text index over id, name, file
 * path and repo. It is never the source of truth: it is rebuilt from the stage files, the
 * ledger and the review journal when it is missing or when any of them changed (a fingerprint
 * of their names, sizes and mtimes; compile's newest failures report too), into a new file renamed
 * over the old one, so a page always reads a complete index. Its rows are filled by
 * index-rows.ts; the categories are set here (`classify`, then compiled-categories.ts).
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DataPaths } from '../domain/data-paths.ts';
import { displayName } from '../domain/data-paths.ts';
import { isReviewedSliceFile } from '../domain/inbox-names.ts';
import { LEDGER_FILE } from '../domain/ledger.ts';
import { UNGROUNDED, UNGROUNDED_PREFIX } from '../domain/grounding-reason.ts';
import { REFUSED, REFUSED_PREFIX } from '../domain/refusal-reason.ts';
import { listFiles, type ListedFile } from '../storage/list-files.ts';
import { readExclusions, REVIEW_FILE, RESENDS_FILE } from '../domain/review-journal.ts';
import { fillAnswers, fillFates, fillRequests, fillSlices } from './index-rows.ts';
import { loadSqlite, type Database } from './sqlite.ts';
import { applyCompiledCategories, newestFailuresReport } from './compiled-categories.ts';

export const INDEX_FILE = 'review-index.sqlite';
const SCHEMA_VERSION = '3';

const SCHEMA = `
  PRAGMA journal_mode = OFF;
  PRAGMA synchronous = OFF;
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE slices (
    id INTEGER PRIMARY KEY, repo TEXT NOT NULL, slice_id TEXT, custom_id TEXT, name TEXT,
    file_path TEXT, scenario TEXT, complexity TEXT, source TEXT NOT NULL, line INTEGER NOT NULL,
    offset INTEGER NOT NULL, length INTEGER NOT NULL,
    category TEXT NOT NULL DEFAULT 'not_converted', fate TEXT, reason TEXT, attempt INTEGER,
    batch_id TEXT);
  CREATE TABLE requests (repo TEXT NOT NULL, custom_id TEXT NOT NULL, attempt INTEGER NOT NULL,
    file TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL);
  CREATE TABLE answers (repo TEXT NOT NULL, custom_id TEXT NOT NULL, attempt INTEGER NOT NULL,
    batch_id TEXT NOT NULL, file TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL);
  CREATE TABLE fates (repo TEXT NOT NULL, custom_id TEXT NOT NULL, attempt INTEGER NOT NULL,
    fate TEXT NOT NULL, reason TEXT, batch_id TEXT, PRIMARY KEY (repo, custom_id));
  CREATE TABLE submitted (file TEXT PRIMARY KEY, batch_id TEXT NOT NULL);
`;

const INDEXES = `
  CREATE INDEX slices_key ON slices (repo, slice_id);
  CREATE INDEX slices_id ON slices (slice_id);
  CREATE INDEX slices_name ON slices (name, id);
  CREATE INDEX slices_path ON slices (file_path, id);
  CREATE INDEX slices_repo_scenario ON slices (repo, scenario, id);
  CREATE TABLE repos AS SELECT DISTINCT repo FROM slices ORDER BY repo;
  CREATE INDEX slices_custom ON slices (repo, custom_id);
  CREATE INDEX slices_category ON slices (category, id);
  CREATE INDEX slices_scenario ON slices (scenario, id);
  CREATE INDEX slices_repo ON slices (repo, id);
  CREATE INDEX requests_key ON requests (repo, custom_id, attempt);
  CREATE INDEX answers_key ON answers (repo, custom_id, attempt);
  CREATE VIRTUAL TABLE slices_fts USING fts5 (slice_id, name, file_path, repo,
    content = 'slices', content_rowid = 'id', tokenize = 'trigram');
  INSERT INTO slices_fts (slices_fts) VALUES ('rebuild');
`;

/** The files the index is built from, with their sizes and mtimes: a change anywhere shows. */
export async function sourcesFingerprint(paths: DataPaths): Promise<string> {
  const hash = createHash('sha256').update(SCHEMA_VERSION);
  const add = (f: Pick<ListedFile, 'rel' | 'size' | 'mtimeMs'>, root: string): void => {
    hash.update(`${root}/${f.rel}\0${f.size}\0${f.mtimeMs}\n`);
  };
  for (const f of await listFiles(paths.reviewed, isReviewedSliceFile)) add(f, 'r');
  for (const f of await listFiles(paths.batchInput)) add(f, 'i');
  for (const f of await listFiles(paths.batchOutput)) add(f, 'o');
  const report = await newestFailuresReport(paths);
  const r = report === undefined ? undefined : await stat(report).catch(() => undefined);
  if (r !== undefined) add({ rel: report!, size: r.size, mtimeMs: r.mtimeMs }, 'f');
  for (const name of [LEDGER_FILE, REVIEW_FILE, RESENDS_FILE]) {
    const s = await stat(join(paths.state, name)).catch(() => undefined);
    if (s !== undefined) add({ rel: name, size: s.size, mtimeMs: s.mtimeMs }, 's');
  }
  return hash.digest('hex');
}

export interface BuildSummary {
  readonly slices: number;
  readonly requests: number;
  readonly answers: number;
  readonly ms: number;
}

/** Builds the index from the data folder into `target` (a new file, renamed into place). */
export async function buildIndex(
  paths: DataPaths,
  target: string,
  now: () => number = Date.now,
): Promise<BuildSummary> {
  const started = now();
  const fingerprint = await sourcesFingerprint(paths);
  const { DatabaseSync } = await loadSqlite();
  const temp = `${target}.${process.pid}.building`;
  await mkdir(dirname(target), { recursive: true });
  await rm(temp, { force: true });
  const db = new DatabaseSync(temp);
  const display = (p: string): string => displayName(paths.dataDir, p);
  let counts: { slices: number; requests: number; answers: number };
  try {
    db.exec(SCHEMA);
    counts = await fill(db, paths, display);
    db.exec(INDEXES);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run(
      'fingerprint',
      fingerprint,
      'built_at',
      new Date(now()).toISOString(),
    );
    db.close();
    await rename(temp, target);
  } catch (err) {
    if (db.isOpen) db.close();
    await rm(temp, { force: true });
    throw err;
  }
  return { ...counts, ms: now() - started };
}

async function fill(
  db: Database,
  paths: DataPaths,
  display: (p: string) => string,
): Promise<{ slices: number; requests: number; answers: number }> {
  const slices = await fillSlices(db, paths, display);
  const requests = await fillRequests(db, paths, display);
  const answers = await fillAnswers(db, paths);
  await fillFates(db, paths);
  classify(db, await readExclusions(paths.state));
  // What only compile can tell (an answer it made no record of, a line the rejects report refused).
  await applyCompiledCategories(db, paths);
  return { slices, requests, answers };
}

/**
 * Where each slice stands, as compile would say it: a record, excluded by a reviewer, final,
 * pending (a retry or resend to come, or its batch not ended), not submitted, not converted.
 */
/** SQL: whether `column` starts with `prefix` (a constant of ours, without quotes). */
function startsWith(column: string, prefix: string): string {
  if (prefix.includes("'")) throw new Error(`a prefix with a quote: ${prefix}`);
  return `substr(${column}, 1, ${prefix.length}) = '${prefix}'`;
}

function classify(db: Database, excluded: Awaited<ReturnType<typeof readExclusions>>): void {
  db.exec(`
    CREATE INDEX fates_key ON fates (repo, custom_id);
    CREATE TEMP TABLE latest AS SELECT repo, custom_id, MAX(attempt) AS attempt FROM requests
      GROUP BY repo, custom_id;
    CREATE INDEX temp.latest_key ON latest (repo, custom_id);
    CREATE TEMP TABLE latest_file AS SELECT r.repo, r.custom_id, r.attempt, MIN(r.file) AS file
      FROM requests r JOIN latest l USING (repo, custom_id, attempt) GROUP BY r.repo, r.custom_id;
    CREATE INDEX temp.latest_file_key ON latest_file (repo, custom_id);
    BEGIN;
    UPDATE slices SET attempt = lf.attempt,
      category = CASE WHEN s.batch_id IS NULL THEN 'not_submitted' ELSE 'pending' END,
      batch_id = s.batch_id,
      reason = CASE WHEN s.batch_id IS NULL THEN lf.file || ': not submitted yet'
        ELSE 'in batch ' || s.batch_id || ', not ended yet' END
      FROM latest_file lf LEFT JOIN submitted s ON s.file = lf.file
      WHERE slices.repo = lf.repo AND slices.custom_id = lf.custom_id;
    UPDATE slices SET fate = f.fate, attempt = f.attempt, batch_id = f.batch_id,
      category = CASE f.fate WHEN 'usable' THEN 'record'
        WHEN 'final' THEN CASE WHEN ${startsWith('f.reason', UNGROUNDED_PREFIX)} THEN '${UNGROUNDED}'
          WHEN ${startsWith('f.reason', REFUSED_PREFIX)} THEN '${REFUSED}' ELSE 'final' END
        ELSE 'pending' END,
      reason = CASE f.fate WHEN 'usable' THEN NULL WHEN 'final' THEN f.reason
        ELSE 'to be sent again after attempt ' || f.attempt || ' (' || f.reason || ')' END
      FROM fates f WHERE slices.repo = f.repo AND slices.custom_id = f.custom_id
        AND f.attempt >= COALESCE(slices.attempt, 0);
    COMMIT;
  `);
  const mark = db.prepare(
    `UPDATE slices SET category = 'excluded_by_reviewer', reason = ? WHERE repo = ? AND custom_id = ?
       AND category = 'record' AND attempt <= ?`,
  );
  for (const d of excluded.values()) {
    mark.run(`excluded by a reviewer at ${d.at}: ${d.reason}`, d.repo, d.custom_id, d.attempt);
  }
}
