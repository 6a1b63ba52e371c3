/**
 * What a long-running process acquired, released in reverse: each start registers how to undo
 * itself, and the stop runs every releaser last-in-first-out, each one even when an earlier one
 * failed, then rethrows the first failure (the shape of graphile-worker's `withReleasers`).
 */

export type Releaser = () => unknown;

export interface Releasers {
  /** Registers a releaser; it runs before every releaser registered earlier. */
  add(releaser: Releaser): void;
  /**
   * Runs every releaser registered so far, newest first; rejects with the first failure after
   * all have run. Calling it again waits for the same release.
   */
  release(): Promise<void>;
  readonly size: number;
}

export function createReleasers(
  options: { readonly onError?: (err: unknown) => void } = {},
): Releasers {
  const stack: Releaser[] = [];
  let releasing: Promise<void> | undefined;
  return {
    add(releaser) {
      stack.push(releaser);
    },
    release() {
      releasing ??= (async () => {
        let first: { error: unknown } | undefined;
        while (stack.length > 0) {
          const releaser = stack.pop()!;
          try {
            await releaser();
          } catch (error) {
            options.onError?.(error);
            first ??= { error };
          }
        }
        if (first !== undefined) throw first.error;
      })();
      return releasing;
    },
    get size() {
      return stack.length;
    },
  };
}

/**
 * Runs `start` with a fresh set of releasers. When `start` fails, what it acquired so far is
 * released and its own error rethrown (a failing releaser is reported to `onError` only); when
 * it succeeds, releasing is the caller's business (the result is returned with them).
 */
export async function withReleasers<T>(
  start: (releasers: Releasers) => Promise<T>,
  options: { readonly onError?: (err: unknown) => void } = {},
): Promise<T> {
  const releasers = createReleasers(options);
  try {
    return await start(releasers);
  } catch (err) {
    await releasers.release().catch(() => undefined);
    throw err;
  }
}
