/**
 * The duplicate store kept open from one conversion to the next, for the daemon's intake runs.
 * Opening the store reads its index file whole and makes its lookup tables again (on the 160,066
 * slices kept of the real-code corpus, about 0.3 s and 35 MB more for a run of one slice), which
 * every intake run paid. Kept, a run takes the store the run before left once it confirmed what
 * it kept, unless its files on disk are no longer the ones it has open (deleted, or moved aside:
 * then a store is opened from what is there). A run that fails closes the store; the next one
 * opens it again and settles what the failed one left pending. A store not taken for
 * KEEP_IDLE_MS is closed, so that an idle daemon does not hold its tables.
 */
import { statSync } from 'node:fs';
import type { DuplicateStore } from '../storage/duplicate-store-types.ts';

/** How long a store is kept open without a run taking it. */
export const KEEP_IDLE_MS = 5 * 60_000;

export interface DuplicateStoreKeeper {
  /**
   * The store kept for the files `paths` (in that order), taken (the keeper no longer holds it),
   * if those files are still the ones it opened; undefined otherwise (a store kept is closed).
   */
  take(paths: readonly string[]): DuplicateStore | undefined;
  /** A run ended well: `store` is kept for the next run (closed at once after `close`). */
  keep(paths: readonly string[], store: DuplicateStore): void;
  /** Closes the store kept, and any kept later. */
  close(): void;
}

/** The file at `path` as the system knows it (its device and inode), or undefined. */
function identity(path: string): string | undefined {
  try {
    const s = statSync(path, { throwIfNoEntry: false });
    return s === undefined ? undefined : `${s.dev}:${s.ino}`;
  } catch {
    return undefined; // unreadable: not taken as the same file (opening it again says why)
  }
}

export function createDuplicateStoreKeeper(idleMs = KEEP_IDLE_MS): DuplicateStoreKeeper {
  let held:
    | {
        readonly store: DuplicateStore;
        readonly paths: readonly string[];
        readonly ids: readonly (string | undefined)[];
        readonly idle: NodeJS.Timeout;
      }
    | undefined;
  let closed = false;
  const drop = (): void => {
    if (held === undefined) return;
    const { store, idle } = held;
    held = undefined;
    clearTimeout(idle);
    store.close();
  };
  return {
    take(paths) {
      const h = held;
      if (h === undefined) return undefined;
      const same =
        h.paths.length === paths.length &&
        paths.every((p, i) => p === h.paths[i] && identity(p) === h.ids[i]);
      if (!same) {
        drop();
        return undefined;
      }
      clearTimeout(h.idle);
      held = undefined;
      return h.store;
    },
    keep(paths, store) {
      drop();
      const ids = paths.map(identity);
      if (closed || ids.includes(undefined)) {
        store.close();
        return;
      }
      const idle = setTimeout(drop, idleMs);
      idle.unref();
      held = { store, paths, ids, idle };
    },
    close() {
      closed = true;
      drop();
    },
  };
}
