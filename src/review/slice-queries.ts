/**
 * Reading the search index: the slices matching a search and filters (a page at a time), one
 * slice with its requests and answers (where they are), and keeping the index fresh: checked
 * against the data folder at most every `checkMs`, rebuilt in the background when stale (pages
 * read the previous index meanwhile), built before the first answer when missing
 * (fresh-index.ts). A search's SQL is decided apart (`searchSql`, pure).
 */
import { FreshIndex, type FreshIndexOptions } from './fresh-index.ts';
import type { Database } from './sqlite.ts';

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

/**
 * A search as SQL (pure): `whole` is the column that holds the query whole, if any (looked up
 * by its index); else a query of 3 characters or more is a part of one, looked up in the
 * trigram full-text index, in its rowid order; a shorter one must be a whole slice id, name or
 * repo. Filters are equalities (repo `_` is the top folder).
 */
export function searchSql(
  query: SearchQuery,
  whole: 'slice_id' | 'name' | 'file_path' | undefined,
): { from: string; clause: string; order: string; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  let from = 'slices';
  let order = 'slices.id';
  const q = query.q?.trim() ?? '';
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
  return { from, clause: where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`, order, args };
}

/** A page of the slices matching `query`, and how many match (up to the cap). */
function search(d: Database, query: SearchQuery): SearchResult {
  const q = query.q?.trim() ?? '';
  // A whole slice id, name or file path is looked up by its index; a part of one in the
  // trigram index.
  const whole = (['slice_id', 'name', 'file_path'] as const).find(
    (column) =>
      q !== '' &&
      d.prepare(`SELECT 1 FROM slices WHERE ${column} = ? LIMIT 1`).get(q) !== undefined,
  );
  const { from, clause, order, args } = searchSql(query, whole);
  const page = Math.max(0, query.page ?? 0);
  const rows = d
    .prepare(`SELECT slices.* FROM ${from} ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...args, PAGE_SIZE, page * PAGE_SIZE) as unknown as SliceRow[];
  const { n } = d
    .prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${from} ${clause} LIMIT ?)`)
    .get(...args, COUNT_CAP + 1) as { n: number };
  return { rows, total: Math.min(n, COUNT_CAP), more: n > COUNT_CAP, pageSize: PAGE_SIZE };
}

export async function openSliceIndex(options: FreshIndexOptions): Promise<SliceIndex> {
  const index = await FreshIndex.open(options);
  const located = async (sql: string, repo: string, customId: string) =>
    (await index.ready()).prepare(sql).all(repo, customId) as unknown as Located[];
  return {
    search: async (query) => search(await index.ready(), query),
    slice: async (repo, sliceId) =>
      (await index.ready())
        .prepare('SELECT * FROM slices WHERE repo = ? AND slice_id = ? ORDER BY id LIMIT 1')
        .get(repo, sliceId) as SliceRow | undefined,
    requests: (repo, customId) =>
      located(
        'SELECT attempt, file, offset, length FROM requests WHERE repo = ? AND custom_id = ? ORDER BY attempt',
        repo,
        customId,
      ),
    answers: (repo, customId) =>
      located(
        'SELECT attempt, file, offset, length, batch_id FROM answers WHERE repo = ? AND custom_id = ? ORDER BY attempt',
        repo,
        customId,
      ),
    repos: async () =>
      ((await index.ready()).prepare('SELECT repo FROM repos').all() as { repo: string }[]).map(
        (r) => r.repo,
      ),
    refresh: () => index.check(),
    close: () => index.close(),
  };
}
