/**
 * The inbox watcher's hand-over: files found complete wait here and are handed to `onReady` in
 * batches, one batch at a time; files that become ready meanwhile form the next batch. A batch
 * whose handling fails is logged, and the next one still goes.
 */
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { ListedFile } from '../storage/list-files.ts';

export function createHandOver(
  onReady: (files: readonly ListedFile[]) => Promise<void>,
  log: Logger,
) {
  let ready = new Map<string, ListedFile>();
  let handing: Promise<void> | undefined;
  let closed = false;

  const hand = (): void => {
    if (handing !== undefined || ready.size === 0 || closed) return;
    handing = (async () => {
      // Let the events of the same moment gather into one batch.
      await new Promise((r) => setImmediate(r));
      while (ready.size > 0 && !closed) {
        const batch = [...ready.values()];
        ready = new Map();
        try {
          await onReady(batch);
        } catch (err) {
          log.error({ err }, `handling new inbox files failed: ${errorMessage(err)}`);
        }
      }
    })().finally(() => {
      handing = undefined;
      hand(); // files that became ready as the last batch ended
    });
  };

  return {
    /** A complete file: handed over with the next batch. */
    add(file: ListedFile): void {
      ready.set(file.path, file);
      hand();
    },
    has: (path: string): boolean => ready.has(path),
    get size(): number {
      return ready.size;
    },
    /** No batch starts from here on; waits for the one being handled. */
    async close(): Promise<void> {
      closed = true;
      await handing;
    },
  };
}

/**
 * One timer for the earliest recheck asked for: a later time than the one set changes nothing;
 * `run` is called when it fires.
 */
export function createRecheckTimer(now: () => number, run: () => void) {
  let timer: NodeJS.Timeout | undefined;
  let at = Infinity;
  let closed = false;
  return {
    schedule(when: number): void {
      if (closed || when >= at) return;
      if (timer !== undefined) clearTimeout(timer);
      at = when;
      timer = setTimeout(
        () => {
          timer = undefined;
          at = Infinity;
          run();
        },
        Math.max(10, when - now()),
      );
    },
    close(): void {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
