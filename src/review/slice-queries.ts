/**
 * Reading the search index: the slices matching a search and filters (a page at a time), one
 * slice with its requests and answers (where they are), and keeping the index fresh: checked
 * against the data folder at most every `checkMs`, rebuilt in the background when stale (pages
 * read the previous index meanwhile), built before the first answer when missing.
 */
import { join } from 'node:path';
import type { DataPaths } from '../domain/data-paths.ts';
import type { Logger } from '../log/logger.ts';
import { errorMessage } from '../errors.ts';
import { buildIndex, INDEX_FILE, sourcesFingerprint, type BuildSummary } from './slice-index.ts';
import { loadSqlite, type Database } from './sqlite.ts';

export interface SliceRow {
  readonly id: number;
  readonly repo: string;
  readonly slice_id: string | null;
  readonly custom_id: string | null;
  readonly name: string | null;
  readonly file_path: string | null;
  readonly scenario: string | null;
  readonly complexity: string | null;
  readonly source: string;
  readonly line: number;
  readonly offset: number;
  readonly length: number;
  readonly category: string;
  readonly fate: string | null;
  readonly reason: string | null;
  readonly attempt: number | null;
  readonly batch_id: string | null;
}

export interface Located {
  readonly attempt: number;
  readonly file: string;
  readonly offset: number;
  readonly length: number;
  readonly batch_id?: string;
}

export interface SearchQuery {
  readonly q?: string | undefined;
  readonly category?: string | undefined;
  readonly scenario?: string | undefined;
  readonly repo?: string | undefined;
  readonly page?: number | undefined;
}

export interface SearchResult {
  readonly rows: readonly SliceRow[];
  /** Matches, counted up to `COUNT_CAP` (more shows as the cap and `more`). */
  readonly total: number;
  readonly more: boolean;
  readonly pageSize: number;
}

export const PAGE_SIZE = 50;
const COUNT_CAP = 10_000;

export interface SliceIndex {
  search(query: SearchQuery): Promise<SearchResult>;
  slice(repo: string, sliceId: string): Promise<SliceRow | undefined>;
  requests(repo: string, customId: string): Promise<readonly Located[]>;
  answers(repo: string, customId: string): Promise<readonly Located[]>;
  repos(): Promise<readonly string[]>;
  /** Checks the data folder now and rebuilds when it changed (resolves when fresh). */
  refresh(): Promise<void>;
  close(): void;
}

export async function openSliceIndex(options: {
  readonly paths: DataPaths;
  readonly log: Logger;
  readonly checkMs?: number;
  /** How long a page waits for a rebuild before it reads the previous index. */
  readonly waitMs?: number;
  readonly now?: () => number;
  readonly onBuilt?: (summary: BuildSummary) => void;
}): Promise<SliceIndex> {
  const { paths, log } = options;
  const now = options.now ?? Date.now;
  const checkMs = options.checkMs ?? 1000;
  const waitMs = options.waitMs ?? 1500;
  const file = join(paths.state, INDEX_FILE);
  const { DatabaseSync } = await loadSqlite();
  let db: Database | undefined;
  let checkedAt = -Infinity;
  let building: Promise<void> | undefined;

  const fingerprintOf = (d: Database): string | undefined => {
    try {
      const row = d.prepare("SELECT value FROM meta WHERE key = 'fingerprint'").get() as
        { value: string } | undefined;
      return row?.value;
    } catch {
      return undefined; // not an index of ours (or damaged): rebuilt
    }
  };
  const reopen = (): void => {
    db?.close();
    db = new DatabaseSync(file, { readOnly: true });
  };
  const rebuild = (): Promise<void> =>
    (building ??= buildIndex(paths, file, now)
      .then((summary) => {
        reopen();
        options.onBuilt?.(summary);
        log.info(summary, `review index built: ${summary.slices} lines in ${summary.ms} ms`);
      })
      .finally(() => {
        building = undefined;
      }));

  const check = async (): Promise<void> => {
    checkedAt = now();
    const wanted = await sourcesFingerprint(paths);
    if (db !== undefined && fingerprintOf(db) === wanted) return;
    await rebuild();
  };

  try {
    db = new DatabaseSync(file, { readOnly: true });
    if (fingerprintOf(db) === undefined) {
      db.close();
      db = undefined;
    }
  } catch {
    db = undefined;
  }
  await check();

  /**
   * The index to read: checked against the data folder when it was not checked lately, and
   * rebuilt if stale; a rebuild that takes longer than `waitMs` goes on in the background while
   * the previous index answers.
   */
  let checking: Promise<void> | undefined;
  const ready = async (): Promise<Database> => {
    if (now() - checkedAt >= checkMs) {
      checking ??= check()
        .catch((err: unknown) =>
          log.warn({ err }, `review index not rebuilt: ${errorMessage(err)}`),
        )
        .finally(() => {
          checking = undefined;
        });
      if (db === undefined) await checking;
      else {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          checking,
          new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
        ]);
        clearTimeout(timer);
      }
    }
    if (db === undefined) await rebuild();
    return db!;
  };

  return {
    async search(query) {
      const d = await ready();
      const where: string[] = [];
      const args: (string | number)[] = [];
      let from = 'slices';
      let order = 'slices.id';
      const q = query.q?.trim() ?? '';
      // A whole slice id, name or file path is looked up by its index; a part of one in the
      // trigram index.
      const whole = (['slice_id', 'name', 'file_path'] as const).find(
        (column) =>
          q !== '' &&
          d.prepare(`SELECT 1 FROM slices WHERE ${column} = ? LIMIT 1`).get(q) !== undefined,
      );
      if (whole !== undefined) {
        where.push(`slices.${whole} = ?`);
        args.push(q);
      } else if (q.length >= 3) {
        // Joined in the full-text index's rowid order (an IN subquery sorted afterwards was
        // several times slower for words many slices share).
        from = 'slices_fts JOIN slices ON slices.id = slices_fts.rowid';
        order = 'slices_fts.rowid';
        where.push('slices_fts MATCH ?');
        args.push(`"${q.replaceAll('"', '""')}"`);
      } else if (q !== '') {
        where.push('(slices.slice_id = ? OR slices.name = ? OR slices.repo = ?)');
        args.push(q, q, q);
      }
      for (const key of ['category', 'scenario', 'repo'] as const) {
        const v = query[key];
        if (v === undefined || v === '') continue;
        where.push(`slices.${key} = ?`);
        args.push(key === 'repo' && v === '_' ? '' : v);
      }
      const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
      const page = Math.max(0, query.page ?? 0);
      const rows = d
        .prepare(`SELECT slices.* FROM ${from} ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`)
        .all(...args, PAGE_SIZE, page * PAGE_SIZE) as unknown as SliceRow[];
      const { n } = d
        .prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${from} ${clause} LIMIT ?)`)
        .get(...args, COUNT_CAP + 1) as { n: number };
      return { rows, total: Math.min(n, COUNT_CAP), more: n > COUNT_CAP, pageSize: PAGE_SIZE };
    },
    async slice(repo, sliceId) {
      const d = await ready();
      return d
        .prepare('SELECT * FROM slices WHERE repo = ? AND slice_id = ? ORDER BY id LIMIT 1')
        .get(repo, sliceId) as SliceRow | undefined;
    },
    async requests(repo, customId) {
      const d = await ready();
      return d
        .prepare(
          'SELECT attempt, file, offset, length FROM requests WHERE repo = ? AND custom_id = ? ORDER BY attempt',
        )
        .all(repo, customId) as unknown as Located[];
    },
    async answers(repo, customId) {
      const d = await ready();
      return d
        .prepare(
          'SELECT attempt, file, offset, length, batch_id FROM answers WHERE repo = ? AND custom_id = ? ORDER BY attempt',
        )
        .all(repo, customId) as unknown as Located[];
    },
    async repos() {
      const d = await ready();
      return (d.prepare('SELECT repo FROM repos').all() as { repo: string }[]).map((r) => r.repo);
    },
    refresh: check,
    close() {
      db?.close();
      db = undefined;
    },
  };
}
