/**
 * The inbox watcher: chokidar events plus a full rescan (at start and every `rescanMs`) feed
 * the readiness rules (file-readiness.ts); files found complete are handed over in batches.
 * An event the OS lost (inotify overflow) or a watcher that failed (ENOSPC, EMFILE) only delays
 * a file until the next rescan. Temporary and hidden names are never handed over; their
 * disappearance next to a new file tells that the file was renamed into place.
 */
import { existsSync } from 'node:fs';
import { mkdir, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import {
  describeListingProblem,
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

/** How long a temporary name that left a folder explains a new file there. */
const RENAME_WINDOW_MS = 2000;

export function watcherErrorHint(err: unknown, rescanMs: number): string {
  const code = (err as NodeJS.ErrnoException).code;
  const keep = `the rescan every ${Math.round(rescanMs / 1000)} s keeps files coming meanwhile`;
  if (code === 'ENOSPC')
    return `the inotify watch limit is reached: raise it (sysctl fs.inotify.max_user_watches=524288) or set daemon.watch.polling to true; ${keep}`;
  if (code === 'EMFILE' || code === 'ENFILE')
    return `too many open files: raise the limit (ulimit -n 65536, LimitNOFILE= in the unit) or set daemon.watch.polling to true; ${keep}`;
  if (code === 'EACCES' || code === 'EPERM')
    return `permission denied: let the daemon's user read the inbox folders; ${keep}`;
  return keep;
}

/** File times within this of our clock are trusted (file systems round them). */
const CLOCK_AGREEMENT_MS = 2000;

/** The mtime the file system gives a file written now, minus our clock's now. */
async function fileClockSkew(dir: string, now: () => number): Promise<number> {
  const probe = join(dir, `.clock-probe-${process.pid}`);
  await mkdir(dir, { recursive: true });
  const before = now();
  await writeFile(probe, '');
  try {
    const { mtimeMs } = await stat(probe);
    const after = now();
    if (mtimeMs < before) return mtimeMs - before;
    return mtimeMs > after ? mtimeMs - after : 0;
  } finally {
    await unlink(probe).catch(() => undefined);
  }
}

export function createInboxWatcher(options: InboxWatcherOptions): InboxWatcher {
  const { inbox, log, now } = options;
  const rules: { -readonly [K in keyof ReadinessRules]: ReadinessRules[K] } = {
    stableMs: options.stableMs,
    trustFileTimes: !options.polling,
  };
  const candidates = new Map<string, Candidate>();
  /** Temporary names that left, per folder: name → when. */
  const leftRecently = new Map<string, Map<string, number>>();
  let ready = new Map<string, ListedFile>();
  let watcher: FSWatcher | undefined;
  let recheck: NodeJS.Timeout | undefined;
  let recheckAt = Infinity;
  let rescanTimer: NodeJS.Timeout | undefined;
  let handing: Promise<void> | undefined;
  let closed = false;

  const relOf = (path: string): string => relative(inbox, path).split(sep).join('/');

  /** What the walk skipped: said once per path (links, loops, unreadable folders). */
  const reported = new Set<string>();
  let realInbox: string | undefined;
  const problems = new Map<string, ListingProblem>();
  const onProblem = (p: ListingProblem): void => {
    problems.set(p.rel, p);
    const key = `${p.kind}:${p.rel}`;
    if (reported.has(key)) return;
    reported.add(key);
    log.warn(
      { folder: p.rel, problem: p.kind, ...(p.kind === 'unreadable' ? { err: p.error } : {}) },
      `inbox: ${describeListingProblem(p)}`,
    );
  };

  const renamedIn = (path: string, at: number): boolean => {
    const left = leftRecently.get(dirname(path));
    if (left === undefined) return false;
    const name = basename(path);
    for (const [temp, when] of left) {
      if (at - when > RENAME_WINDOW_MS) left.delete(temp);
      else if (isTemporaryNameOf(temp, name) && !existsSync(join(dirname(path), temp))) return true;
    }
    return false;
  };

  const listed = (path: string, s: Awaited<ReturnType<typeof stat>>): ListedFile => {
    const rel = relOf(path);
    const slash = rel.lastIndexOf('/');
    return {
      rel,
      relDir: slash === -1 ? '' : rel.slice(0, slash),
      path,
      size: Number(s.size),
      mtimeMs: Number(s.mtimeMs),
      ctimeMs: Number(s.ctimeMs),
      ino: Number(s.ino),
    };
  };

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
    const file = listed(path, s);
    const c = observe(candidates.get(path), file, t, renamed);
    const r = readiness(c, t, rules);
    if (r.ready) {
      candidates.delete(path);
      ready.set(path, file);
      hand();
    } else {
      candidates.set(path, c);
      scheduleRecheck(t + r.recheckInMs);
    }
  };

  const scheduleRecheck = (at: number): void => {
    if (closed || at >= recheckAt) return;
    if (recheck !== undefined) clearTimeout(recheck);
    recheckAt = at;
    recheck = setTimeout(
      () => {
        recheck = undefined;
        recheckAt = Infinity;
        void Promise.all([...candidates.keys()].map((p) => evaluate(p)));
      },
      Math.max(10, at - now()),
    );
  };

  /** Hands the files found ready over, one batch at a time. */
  const hand = (): void => {
    if (handing !== undefined || ready.size === 0 || closed) return;
    handing = (async () => {
      // Let the events of the same moment gather into one batch.
      await new Promise((r) => setImmediate(r));
      while (ready.size > 0 && !closed) {
        const batch = [...ready.values()];
        ready = new Map();
        try {
          await options.onReady(batch);
        } catch (err) {
          log.error({ err }, `handling new inbox files failed: ${errorMessage(err)}`);
        }
      }
    })().finally(() => {
      handing = undefined;
      hand(); // files that became ready as the last batch ended
    });
  };

  /** A temporary name was active in `dir` just now (written, or renamed away). */
  const temporarySeen = (dir: string, name: string): void => {
    let left = leftRecently.get(dir);
    if (left === undefined) leftRecently.set(dir, (left = new Map<string, number>()));
    left.set(name, now());
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

  /** Forgets the temporary names seen longer ago than the rename window. */
  const forgetOldTemporaries = (): void => {
    const t = now();
    for (const [dir, left] of leftRecently) {
      for (const [temp, when] of left) if (t - when > RENAME_WINDOW_MS) left.delete(temp);
      if (left.size === 0) leftRecently.delete(dir);
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
    if (event === 'add' || event === 'change') void evaluate(path, renamedIn(path, now()));
  };

  const rescan = async (): Promise<void> => {
    forgetOldTemporaries();
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
        const skew = await fileClockSkew(options.clockProbeDir, now).catch(() => undefined);
        if (skew === undefined || Math.abs(skew) > CLOCK_AGREEMENT_MS) {
          rules.trustFileTimes = false;
          log.warn(
            { skewMs: skew ?? null },
            skew === undefined
              ? 'could not compare the file system clock with ours: inbox files are taken once unchanged for daemon.watch.stable_ms by our clock'
              : `the file system clock and ours differ by ${Math.round(Math.abs(skew) / 1000)} s: file times are not trusted; inbox files are taken once unchanged for daemon.watch.stable_ms by our clock`,
          );
        }
      }
      if (options.follow === false) {
        await rescan();
        return;
      }
      watcher = watch(inbox, {
        ignoreInitial: true,
        // Hidden folders are not part of the inbox; hidden files are watched for renames.
        ignored: (path, stats) =>
          path !== inbox && stats?.isDirectory() === true && basename(path).startsWith('.'),
        backend: options.polling ? 'polling' : 'auto',
        pollingInterval: options.pollingIntervalMs,
        atomic: false,
        persistent: true,
        // Links are not followed (list-files.ts): a loop or a link out of the inbox is skipped.
        followSymlinks: false,
      });
      watcher.on('all', (event, path) => onEvent(event, path));
      watcher.on('raw', (event, rel, details) => {
        const watchedPath = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
        if (rel !== null && typeof watchedPath === 'string') onRawEvent(event, rel, watchedPath);
      });
      watcher.on('error', (err) => {
        log.error(
          { err, code: (err as NodeJS.ErrnoException).code },
          `the inbox watcher failed: ${errorMessage(err)}; ${watcherErrorHint(err, options.rescanMs)}`,
        );
      });
      await new Promise<void>((resolve) => watcher!.once('ready', () => resolve()));
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
      if (recheck !== undefined) clearTimeout(recheck);
      if (rescanTimer !== undefined) clearInterval(rescanTimer);
      await watcher?.close();
      await handing;
    },
  };
}
