/**
 * The inbox watcher: chokidar events plus a full rescan (at start and every `rescanMs`) feed
 * the readiness rules (file-readiness.ts); files found complete are handed over in batches.
 * An event the OS lost (inotify overflow) or a watcher that failed (ENOSPC, EMFILE) only delays
 * a file until the next rescan. Temporary and hidden names are never handed over; their
 * disappearance next to a new file tells that the file was renamed into place.
 */
import { existsSync } from 'node:fs';
import { mkdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FSWatcher } from 'chokidar';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import {
  inboxPathProblem,
  listFiles,
  type ListedFile,
  type ListingProblem,
} from '../storage/list-files.ts';
import {
  isTemporaryNameOf,
  observe,
  readiness,
  type Candidate,
  type ReadinessRules,
} from './file-readiness.ts';
import { isReviewedSliceFile, isTemporaryName } from '../domain/inbox-names.ts';
import {
  createProblemLog,
  createRecentTemporaries,
  fileTimesAgree,
  inboxRel,
  listedFile,
  watchInbox,
} from './inbox-watch-parts.ts';
import { createHandOver, createRecheckTimer } from './hand-over.ts';

export interface InboxWatcherOptions {
  readonly inbox: string;
  readonly stableMs: number;
  readonly rescanMs: number;
  readonly polling: boolean;
  readonly pollingIntervalMs: number;
  /**
   * A folder on the inbox's file system where a probe file may be written: file times are
   * trusted only when that file's mtime agrees with our clock (a container or a mount whose
   * clock differs would make every file look long finished).
   */
  readonly clockProbeDir?: string | undefined;
  readonly now: () => number;
  readonly log: Logger;
  /** Complete files, in batches; called again only after the returned promise settles. */
  readonly onReady: (files: readonly ListedFile[]) => Promise<void>;
  /**
   * false: only the first scan (`run --once`: what is in the inbox now); files it finds
   * incomplete are still watched until complete.
   */
  readonly follow?: boolean;
  /** Rescans leave out files for which this is true (taken and unchanged since). */
  readonly unchanged?: (file: ListedFile) => boolean;
}

export interface InboxWatcher {
  /** Watches, and hands over what the first scan finds complete. */
  start(): Promise<void>;
  /** A full scan now (also run every `rescanMs`). */
  rescan(): Promise<void>;
  /** What the last scan skipped (links, loops, unreadable folders). */
  readonly problems: readonly ListingProblem[];
  /** Files seen and not complete yet, or complete and not handed over yet. */
  readonly waiting: number;
  close(): Promise<void>;
}

export { watcherErrorHint } from './inbox-watch-parts.ts';

export function createInboxWatcher(options: InboxWatcherOptions): InboxWatcher {
  const { inbox, log, now } = options;
  const rules: { -readonly [K in keyof ReadinessRules]: ReadinessRules[K] } = {
    stableMs: options.stableMs,
    trustFileTimes: !options.polling,
  };
  const candidates = new Map<string, Candidate>();
  const temporaries = createRecentTemporaries(now);
  const ready = createHandOver(options.onReady, log);
  let watcher: FSWatcher | undefined;
  let rescanTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const relOf = (path: string): string => inboxRel(inbox, path);
  let realInbox: string | undefined;
  const problemLog = createProblemLog(log);
  const { problems } = problemLog;
  const onProblem = (p: ListingProblem): void => problemLog.note(p);

  /** Re-reads the stat of a candidate and decides; true when it became ready. */
  const evaluate = async (path: string, renamed = false, checked = false): Promise<void> => {
    if (!checked) {
      // From an event: not through a link out of the inbox or back into it.
      realInbox ??= await realpath(inbox).catch(() => undefined);
      const problem = await inboxPathProblem(inbox, relOf(path), realInbox);
      if (problem !== undefined) {
        candidates.delete(path);
        onProblem(problem);
        return;
      }
    }
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
      ready.add(file);
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

  /**
   * The OS's own events: a temporary file created and renamed within the same moment never
   * becomes a file chokidar knows (so no unlink of it), and on a coarse clock its ctime equals
   * its mtime; its name in the raw events is what tells that its final name was renamed in.
   */
  const onRawEvent = (event: string, rel: string, watchedPath: string): void => {
    if (closed || event !== 'rename') return;
    const name = basename(rel);
    if (!isTemporaryName(name)) return;
    // A directory's watcher reports its entries; a file's own watcher reports the file.
    const dir =
      basename(watchedPath) === rel ? dirname(watchedPath) : join(watchedPath, dirname(rel));
    temporarySeen(dir, name);
  };

  const onEvent = (event: string, path: string): void => {
    if (closed) return;
    const name = basename(path);
    if (isTemporaryName(name)) {
      if (event === 'unlink') temporarySeen(dirname(path), name);
      return;
    }
    if (!isReviewedSliceFile(relOf(path))) return;
    if (event === 'unlink') {
      candidates.delete(path);
      return;
    }
    if (event === 'add' || event === 'change')
      void evaluate(path, temporaries.renamedIn(path, now()));
  };

  const rescan = async (): Promise<void> => {
    temporaries.forgetOld();
    problems.clear();
    const files = await listFiles(inbox, isReviewedSliceFile, { onProblem });
    await Promise.all(
      files
        .filter((f) => !candidates.has(f.path) && !ready.has(f.path))
        .filter((f) => options.unchanged?.(f) !== true)
        .map((f) => evaluate(f.path, false, true)),
    );
  };

  return {
    async start() {
      await mkdir(inbox, { recursive: true });
      if (rules.trustFileTimes && options.clockProbeDir !== undefined) {
        rules.trustFileTimes = await fileTimesAgree(options.clockProbeDir, now, log);
      }
      if (options.follow === false) {
        await rescan();
        return;
      }
      const watching = watchInbox(inbox, options, { event: onEvent, raw: onRawEvent }, log);
      watcher = watching.watcher;
      await watching.ready;
      await rescan();
      rescanTimer = setInterval(() => {
        rescan().catch((err: unknown) =>
          log.error({ err }, `inbox rescan failed: ${errorMessage(err)}`),
        );
      }, options.rescanMs);
    },
    rescan,
    get problems() {
      return [...problems.values()];
    },
    get waiting() {
      return candidates.size + ready.size;
    },
    async close() {
      closed = true;
      recheck.close();
      const handing = ready.close(); // no batch starts from here on
      if (rescanTimer !== undefined) clearInterval(rescanTimer);
      await watcher?.close();
      await handing;
    },
  };
}
