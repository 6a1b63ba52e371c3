/**
 * Keeping the search index fresh: the SQLite file opened read-only, checked against the data
 * folder (its sources' fingerprint) at most every `checkMs`, rebuilt in the background when
 * stale (a page waits up to `waitMs`, then reads the previous index meanwhile), built before the
 * first answer when missing. One check and one rebuild at a time.
 */
import { join } from 'node:path';
import type { DataPaths } from '../domain/data-paths.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { buildIndex, INDEX_FILE, sourcesFingerprint, type BuildSummary } from './slice-index.ts';
import { loadSqlite, type Database } from './sqlite.ts';

export interface FreshIndexOptions {
  readonly paths: DataPaths;
  readonly log: Logger;
  readonly checkMs?: number;
  /** How long a page waits for a rebuild before it reads the previous index. */
  readonly waitMs?: number;
  readonly now?: () => number;
  readonly onBuilt?: (summary: BuildSummary) => void;
}

type DatabaseClass = Awaited<ReturnType<typeof loadSqlite>>['DatabaseSync'];

/** The sources' fingerprint an index was built from; undefined when not an index of ours. */
function fingerprintOf(d: Database): string | undefined {
  try {
    const row = d.prepare("SELECT value FROM meta WHERE key = 'fingerprint'").get() as
      { value: string } | undefined;
    return row?.value;
  } catch {
    return undefined; // not an index of ours (or damaged): rebuilt
  }
}

export class FreshIndex {
  private db: Database | undefined;
  private checkedAt = -Infinity;
  private building: Promise<void> | undefined;
  private checking: Promise<void> | undefined;
  private readonly file: string;
  private readonly now: () => number;
  private readonly options: FreshIndexOptions;
  private readonly DatabaseSync: DatabaseClass;

  private constructor(options: FreshIndexOptions, DatabaseSync: DatabaseClass) {
    this.options = options;
    this.DatabaseSync = DatabaseSync;
    this.file = join(options.paths.state, INDEX_FILE);
    this.now = options.now ?? Date.now;
  }

  /** The index, checked (and built or rebuilt when missing or stale) before it is given. */
  static async open(options: FreshIndexOptions): Promise<FreshIndex> {
    const { DatabaseSync } = await loadSqlite();
    const index = new FreshIndex(options, DatabaseSync);
    try {
      const db = new DatabaseSync(index.file, { readOnly: true });
      if (fingerprintOf(db) === undefined) db.close();
      else index.db = db;
    } catch {
      index.db = undefined;
    }
    await index.check();
    return index;
  }

  /** Checks the data folder now and rebuilds when it changed (resolves when fresh). */
  async check(): Promise<void> {
    this.checkedAt = this.now();
    const wanted = await sourcesFingerprint(this.options.paths);
    if (this.db !== undefined && fingerprintOf(this.db) === wanted) return;
    await this.rebuild();
  }

  /**
   * The index to read: checked against the data folder when it was not checked lately, and
   * rebuilt if stale; a rebuild that takes longer than `waitMs` goes on in the background while
   * the previous index answers.
   */
  async ready(): Promise<Database> {
    if (this.now() - this.checkedAt >= (this.options.checkMs ?? 1000)) {
      this.checking ??= this.check()
        .catch((err: unknown) =>
          this.options.log.warn({ err }, `review index not rebuilt: ${errorMessage(err)}`),
        )
        .finally(() => {
          this.checking = undefined;
        });
      if (this.db === undefined) await this.checking;
      else {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.checking,
          new Promise<void>(
            (resolve) => (timer = setTimeout(resolve, this.options.waitMs ?? 1500)),
          ),
        ]);
        clearTimeout(timer);
      }
    }
    if (this.db === undefined) await this.rebuild();
    return this.db!;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  private rebuild(): Promise<void> {
    const { paths, log, onBuilt } = this.options;
    return (this.building ??= buildIndex(paths, this.file, this.now)
      .then((summary) => {
        this.db?.close();
        this.db = new this.DatabaseSync(this.file, { readOnly: true });
        onBuilt?.(summary);
        log.info(summary, `review index built: ${summary.slices} lines in ${summary.ms} ms`);
      })
      .finally(() => {
        this.building = undefined;
      }));
  }
}
