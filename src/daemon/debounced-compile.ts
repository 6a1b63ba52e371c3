/**
 * The daemon's compilation: `soon()` compiles `debounceMs` after the last call (downloads come
 * in bursts), `now()` compiles at once (the end of `--once`); one compilation at a time. The
 * stop (`close()`) aborts a compilation under way: nothing is published, the next start
 * compiles again.
 */
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log/logger.ts';

export interface DebouncedCompile {
  soon(): void;
  now(): Promise<void>;
  close(): Promise<void>;
}

export function debouncedCompile(options: {
  /** Compiles the dataset; undefined: nothing to do (commands that do not compile). */
  readonly compile: ((signal: AbortSignal) => Promise<unknown>) | undefined;
  readonly debounceMs: number;
  /** `--once`: only `now()` compiles. */
  readonly once: boolean;
  readonly log: Logger;
}): DebouncedCompile {
  const { compile, log } = options;
  let timer: NodeJS.Timeout | undefined;
  let compiling: Promise<void> | undefined;
  const abort = new AbortController();
  const now = async (): Promise<void> => {
    if (compile === undefined) return;
    while (compiling !== undefined) await compiling;
    compiling = compile(abort.signal)
      .then(() => undefined)
      .catch((err: unknown) => {
        if (abort.signal.aborted) {
          log.info(
            'compilation interrupted by the stop; nothing published, it runs again at start',
          );
        } else {
          log.error({ err }, `compiling the dataset failed: ${errorMessage(err)}`);
        }
      })
      .finally(() => {
        compiling = undefined;
      });
    await compiling;
  };
  return {
    now,
    soon() {
      if (compile === undefined || options.once) return;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        void now();
      }, options.debounceMs);
    },
    async close() {
      if (timer !== undefined) clearTimeout(timer);
      abort.abort();
      await compiling;
    },
  };
}
