/**
 * The files the inbox watcher has seen and not handed over yet (inbox-watcher.ts): each event
 * or rescan re-reads a file's stat and decides by the readiness rules (file-readiness.ts);
 * a file not complete yet is looked at again when the rules say; one complete goes to the
 * hand-over. A temporary name that left a folder (an unlink, or the OS's raw rename event)
 * tells that the file next to it was renamed into place.
 */
import { existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isReviewedSliceFile, isTemporaryName } from '../domain/inbox-names.ts';
import { inboxPathProblem, type ListedFile, type ListingProblem } from '../storage/list-files.ts';
import {
  isTemporaryNameOf,
  observe,
  readiness,
  type Candidate,
  type ReadinessRules,
} from './file-readiness.ts';
import { createRecheckTimer } from './hand-over.ts';
import { createRecentTemporaries, inboxRel, listedFile } from './inbox-watch-parts.ts';

export interface InboxCandidatesDeps {
  readonly inbox: string;
  readonly rules: ReadinessRules;
  readonly now: () => number;
  /** Where a complete file goes. */
  readonly ready: (file: ListedFile) => void;
  readonly onProblem: (problem: ListingProblem) => void;
}

export function createInboxCandidates(deps: InboxCandidatesDeps) {
  const { inbox, rules, now } = deps;
  const candidates = new Map<string, Candidate>();
  const temporaries = createRecentTemporaries(now);
  const relOf = (path: string): string => inboxRel(inbox, path);
  let realInbox: string | undefined;
  let closed = false;

  /** From an event: not through a link out of the inbox or back into it. */
  const outsideInbox = async (path: string): Promise<boolean> => {
    realInbox ??= await realpath(inbox).catch(() => undefined);
    const problem = await inboxPathProblem(inbox, relOf(path), realInbox);
    if (problem === undefined) return false;
    candidates.delete(path);
    deps.onProblem(problem);
    return true;
  };

  /** Re-reads the stat of a file and decides: handed over, or looked at again later. */
  const evaluate = async (path: string, renamed = false, checked = false): Promise<void> => {
    if (!checked && (await outsideInbox(path))) return;
    let s;
    try {
      s = await stat(path);
    } catch {
      candidates.delete(path); // gone (renamed away or deleted) before it was complete
      return;
    }
    if (!s.isFile() || closed) return;
    const t = now();
    const file = listedFile(inbox, path, s);
    const c = observe(candidates.get(path), file, t, renamed);
    const r = readiness(c, t, rules);
    if (r.ready) {
      candidates.delete(path);
      deps.ready(file);
    } else {
      candidates.set(path, c);
      recheck.schedule(t + r.recheckInMs);
    }
  };

  const recheck = createRecheckTimer(now, () => {
    void Promise.all([...candidates.keys()].map((p) => evaluate(p)));
  });

  /** A temporary name was active in `dir` just now (written, or renamed away). */
  const temporarySeen = (dir: string, name: string): void => {
    temporaries.seen(dir, name);
    // Its new name may have been seen first. (A temporary name still there did not move.)
    for (const candidate of candidates.keys()) {
      if (
        dirname(candidate) === dir &&
        isTemporaryNameOf(name, basename(candidate)) &&
        !existsSync(join(dir, name))
      ) {
        void evaluate(candidate, true);
      }
    }
  };

  return {
    evaluate,
    temporarySeen,
    has: (path: string): boolean => candidates.has(path),
    forget: (path: string): void => void candidates.delete(path),
    get size(): number {
      return candidates.size;
    },
    get closed(): boolean {
      return closed;
    },
    /** Whether a temporary name that left the folder lately explains this new file. */
    renamedIn: (path: string): boolean => temporaries.renamedIn(path, now()),
    /** Before a full scan: temporary names seen too long ago explain nothing any more. */
    forgetOldTemporaries: (): void => temporaries.forgetOld(),
    close: (): void => {
      closed = true;
      recheck.close();
    },
  };
}

export type InboxCandidates = ReturnType<typeof createInboxCandidates>;

/** chokidar's events (`event`) and the OS's raw ones (`raw`), to the candidates. */
export function inboxEvents(inbox: string, candidates: InboxCandidates) {
  return {
    event: (event: string, path: string): void => {
      if (candidates.closed) return;
      const name = basename(path);
      if (isTemporaryName(name)) {
        if (event === 'unlink') candidates.temporarySeen(dirname(path), name);
        return;
      }
      if (!isReviewedSliceFile(inboxRel(inbox, path))) return;
      if (event === 'unlink') candidates.forget(path);
      else if (event === 'add' || event === 'change')
        void candidates.evaluate(path, candidates.renamedIn(path));
    },

    /**
     * A temporary file created and renamed within the same moment never becomes a file
     * chokidar knows (so no unlink of it), and on a coarse clock its ctime equals its mtime;
     * its name in the OS's raw events is what tells that its final name was renamed in.
     */
    raw: (event: string, rel: string, watchedPath: string): void => {
      if (candidates.closed || event !== 'rename') return;
      const name = basename(rel);
      if (!isTemporaryName(name)) return;
      // A directory's watcher reports its entries; a file's own watcher reports the file.
      const dir =
        basename(watchedPath) === rel ? dirname(watchedPath) : join(watchedPath, dirname(rel));
      candidates.temporarySeen(dir, name);
    },
  };
}
