/**
 * The inbox watcher: chokidar events plus a full rescan (at start and every `rescanMs`) feed
 * the readiness rules (file-readiness.ts); files found complete are handed over in batches.
 * An event the OS lost (inotify overflow) or a watcher that failed (ENOSPC, EMFILE) only delays
 * a file until the next rescan. Temporary and hidden names are never handed over; their
 * disappearance next to a new file tells that the file was renamed into place.
 */
import { mkdir } from 'node:fs/promises';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { listFiles, type ListedFile, type ListingProblem } from '../storage/list-files.ts';
import type { ReadinessRules } from './file-readiness.ts';
import { isReviewedSliceFile } from '../domain/inbox-names.ts';
import { createProblemLog, fileTimesAgree, watchInbox } from './inbox-watch-parts.ts';
import { createHandOver } from './hand-over.ts';
import { createInboxCandidates, inboxEvents } from './inbox-candidates.ts';

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
  const ready = createHandOver(options.onReady, log);
  const problemLog = createProblemLog(log);
  const { problems } = problemLog;
  const onProblem = (p: ListingProblem): void => problemLog.note(p);
  const candidates = createInboxCandidates({
    inbox,
    rules,
    now,
    ready: (file) => ready.add(file),
    onProblem,
  });
  let following: ReturnType<typeof followInbox> | undefined;

  const rescan = async (): Promise<void> => {
    candidates.forgetOldTemporaries();
    problems.clear();
    const files = await listFiles(inbox, isReviewedSliceFile, { onProblem });
    await Promise.all(
      files
        .filter((f) => !candidates.has(f.path) && !ready.has(f.path))
        .filter((f) => options.unchanged?.(f) !== true)
        .map((f) => candidates.evaluate(f.path, false, true)),
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
      following = followInbox(options, inboxEvents(inbox, candidates), rescan);
      await following.ready;
    },
    rescan,
    get problems() {
      return [...problems.values()];
    },
    get waiting() {
      return candidates.size + ready.size;
    },
    async close() {
      candidates.close();
      const handing = ready.close(); // no batch starts from here on
      await following?.close();
      await handing;
    },
  };
}

/** chokidar on the inbox, the first full scan once it is ready, and a rescan every `rescanMs`. */
function followInbox(
  options: InboxWatcherOptions,
  events: ReturnType<typeof inboxEvents>,
  rescan: () => Promise<void>,
) {
  const { log } = options;
  const watching = watchInbox(options.inbox, options, events, log);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const ready = watching.ready.then(rescan).then(() => {
    if (closed) return;
    timer = setInterval(() => {
      rescan().catch((err: unknown) =>
        log.error({ err }, `inbox rescan failed: ${errorMessage(err)}`),
      );
    }, options.rescanMs);
  });
  return {
    ready,
    async close(): Promise<void> {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      await watching.watcher.close();
    },
  };
}
