/**
 * The daemon's steps (take inbox files, submit, poll) run one at a time, in the order asked
 * (p-queue, concurrency 1): a conversion never races a poll tick writing retry files into the
 * same folder, and the state each step reads is the state the previous one left. A step asked
 * for while the same step already waits to run is not queued twice (a burst of events, or a
 * cron tick during a long download, costs one run).
 *
 * A failing step is logged and the daemon goes on: the next request runs it again. Every step
 * gets the daemon's stop signal (src/lifecycle/bounded-stop.ts); a step cut by it is said so,
 * not reported as a failure.
 */
import PQueue from 'p-queue';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log/logger.ts';

export type StepName = 'intake' | 'submit' | 'poll';

export interface StepEvent {
  readonly step: StepName;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly error?: unknown;
}

export interface WorkQueue {
  /** Runs `step` after what is queued; shares a run of the same step not started yet. */
  request(step: StepName): Promise<void>;
  /** The step running now, and since when. */
  readonly running: { readonly step: StepName; readonly since: number } | undefined;
  /** Steps waiting to run. */
  readonly depth: number;
  /** Drops the steps not started; resolves when the running one has ended. */
  drain(): Promise<void>;
}

export function createWorkQueue(options: {
  readonly steps: Record<StepName, (signal: AbortSignal) => Promise<void>>;
  /** Aborted at the stop deadline; passed to every step. */
  readonly signal: AbortSignal;
  readonly now: () => number;
  readonly log: Logger;
  readonly onStep?: (event: StepEvent) => void;
}): WorkQueue {
  const queue = new PQueue({ concurrency: 1 });
  const waiting = new Map<StepName, { promise: Promise<void>; resolve: () => void }>();
  let running: { step: StepName; since: number } | undefined;
  let draining = false;

  const run = async (step: StepName): Promise<void> => {
    waiting.delete(step);
    const startedAt = options.now();
    running = { step, since: startedAt };
    options.onStep?.({ step, startedAt });
    let error: unknown;
    try {
      await options.steps[step](options.signal);
    } catch (err) {
      error = err;
      if (options.signal.aborted) {
        options.log.warn(
          { step },
          `the ${step} step was aborted at the stop deadline (the next start resumes it)`,
        );
      } else {
        options.log.error({ err, step }, `${step} step failed: ${errorMessage(err)}`);
      }
    } finally {
      running = undefined;
    }
    const endedAt = options.now();
    options.onStep?.(
      error === undefined ? { step, startedAt, endedAt } : { step, startedAt, endedAt, error },
    );
  };

  return {
    request(step) {
      if (draining) return Promise.resolve();
      let w = waiting.get(step);
      if (w === undefined) {
        const { promise, resolve } = Promise.withResolvers<void>();
        w = { promise, resolve };
        waiting.set(step, w);
        void queue.add(async () => {
          await run(step);
          resolve();
        });
      }
      return w.promise;
    },
    get running() {
      return running;
    },
    get depth() {
      return queue.size;
    },
    async drain() {
      draining = true;
      queue.clear();
      // Whoever waits for a step that will not run now is let go.
      for (const w of waiting.values()) w.resolve();
      waiting.clear();
      await queue.onIdle();
    },
  };
}
