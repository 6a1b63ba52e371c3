/**
 * The inbox watcher's pieces (inbox-watcher.ts): whether file times can be trusted (the file
 * system's clock against ours), a listed file from a stat, the temporary names that left a
 * folder lately (a rename into place), the problems of the last walk (said once per path), the
 * chokidar watcher and the hint for its failures.
 */
import { existsSync } from 'node:fs';
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import {
  describeListingProblem,
  type ListedFile,
  type ListingProblem,
} from '../storage/list-files.ts';
import { isTemporaryNameOf } from './file-readiness.ts';

/** How long a temporary name that left a folder explains a new file there. */
export const RENAME_WINDOW_MS = 2000;

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

/** True when a file written in `probeDir` gets a time that agrees with our clock. */
export async function fileTimesAgree(
  probeDir: string,
  now: () => number,
  log: Logger,
): Promise<boolean> {
  const skew = await fileClockSkew(probeDir, now).catch(() => undefined);
  if (skew !== undefined && Math.abs(skew) <= CLOCK_AGREEMENT_MS) return true;
  log.warn(
    { skewMs: skew ?? null },
    skew === undefined
      ? 'could not compare the file system clock with ours: inbox files are taken once unchanged for daemon.watch.stable_ms by our clock'
      : `the file system clock and ours differ by ${Math.round(Math.abs(skew) / 1000)} s: file times are not trusted; inbox files are taken once unchanged for daemon.watch.stable_ms by our clock`,
  );
  return false;
}

/** The inbox-relative name of a path, with forward slashes. */
export const inboxRel = (inbox: string, path: string): string =>
  relative(inbox, path).split(sep).join('/');

/** A file of the inbox as the listing gives it, from its stat. */
export function listedFile(
  inbox: string,
  path: string,
  s: Awaited<ReturnType<typeof stat>>,
): ListedFile {
  const rel = inboxRel(inbox, path);
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
}

/** Temporary names that left each folder lately: name → when. */
export function createRecentTemporaries(now: () => number) {
  const leftRecently = new Map<string, Map<string, number>>();
  return {
    /** A temporary name was active in `dir` just now (written, or renamed away). */
    seen(dir: string, name: string): void {
      let left = leftRecently.get(dir);
      if (left === undefined) leftRecently.set(dir, (left = new Map<string, number>()));
      left.set(name, now());
    },
    /** True when a temporary name of `path` left its folder within the window, and is gone. */
    renamedIn(path: string, at: number): boolean {
      const left = leftRecently.get(dirname(path));
      if (left === undefined) return false;
      const name = basename(path);
      for (const [temp, when] of left) {
        if (at - when > RENAME_WINDOW_MS) left.delete(temp);
        else if (isTemporaryNameOf(temp, name) && !existsSync(join(dirname(path), temp)))
          return true;
      }
      return false;
    },
    /** Forgets the temporary names seen longer ago than the rename window. */
    forgetOld(): void {
      const t = now();
      for (const [dir, left] of leftRecently) {
        for (const [temp, when] of left) if (t - when > RENAME_WINDOW_MS) left.delete(temp);
        if (left.size === 0) leftRecently.delete(dir);
      }
    },
  };
}

/** What the walk skipped (links, loops, unreadable folders): kept per folder, said once. */
export function createProblemLog(log: Logger) {
  const reported = new Set<string>();
  const problems = new Map<string, ListingProblem>();
  return {
    problems,
    note(p: ListingProblem): void {
      problems.set(p.rel, p);
      const key = `${p.kind}:${p.rel}`;
      if (reported.has(key)) return;
      reported.add(key);
      log.warn(
        { folder: p.rel, problem: p.kind, ...(p.kind === 'unreadable' ? { err: p.error } : {}) },
        `inbox: ${describeListingProblem(p)}`,
      );
    },
  };
}

/** chokidar over the inbox, its events to `on`; `ready` resolves once its first walk ended. */
export function watchInbox(
  inbox: string,
  options: {
    readonly polling: boolean;
    readonly pollingIntervalMs: number;
    readonly rescanMs: number;
  },
  on: {
    readonly event: (event: string, path: string) => void;
    readonly raw: (event: string, rel: string, watchedPath: string) => void;
  },
  log: Logger,
): { readonly watcher: FSWatcher; readonly ready: Promise<void> } {
  const watcher = watch(inbox, {
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
  watcher.on('all', (event, path) => on.event(event, path));
  watcher.on('raw', (event, rel, details) => {
    const watchedPath = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
    if (rel !== null && typeof watchedPath === 'string') on.raw(event, rel, watchedPath);
  });
  watcher.on('error', (err) => {
    log.error(
      { err, code: (err as NodeJS.ErrnoException).code },
      `the inbox watcher failed: ${errorMessage(err)}; ${watcherErrorHint(err, options.rescanMs)}`,
    );
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { watcher, ready };
}
