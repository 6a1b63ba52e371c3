/**
 * The daemon's steps (take inbox files, submit, poll) run in the order asked, each one at a
 * time, and two steps at once only when they touch different state: intake (the inbox, the
 * intake log, new batch input files under names reserved exclusively) runs while a poll tick
 * runs (the job records, the ledger, retry files), so a slow poll (a hung listing, a big
 * download) does not hold up the conversion of new files. Submit runs alone against both: it
 * reads the batch input files intake writes and the job records the poll writes, so submit
 * and poll never race on a job record and a file is never submitted half-converted. A step
 * never overtakes an earlier one it cannot run beside. A step asked for while the same step
 * already waits to run is not queued twice (a burst of events, or a cron tick during a long
 * download, costs one run).
 *
 * A failing step is logged and the daemon goes on: the next request runs it again. Every step
 * gets the daemon's stop signal (src/lifecycle/bounded-stop.ts); a step cut by it is said so,
 * not reported as a failure.
 */
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log/logger.ts';

export type StepName = 'intake' | 'submit' | 'poll';

/** The pairs of steps that may run at the same time (each step runs once at a time). */
const BESIDE: ReadonlySet<string> = new Set(['intake+poll', 'poll+intake']);

export function mayRunBeside(a: StepName, b: StepName): boolean {
  return BESIDE.has(`${a}+${b}`);
}

export interface StepEvent {
  readonly step: StepName;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly error?: unknown;
}

export interface WorkQueue {
  /** Runs `step` after what is queued; shares a run of the same step not started yet. */
  request(step: StepName): Promise<void>;
  /** The step running longest now, and since when. */
  readonly running: { readonly step: StepName; readonly since: number } | undefined;
  /** Every step running now, the longest first. */
  readonly runningSteps: readonly { readonly step: StepName; readonly since: number }[];
  /** Steps waiting to run. */
  readonly depth: number;
  /** Drops the steps not started; resolves when the running ones have ended. */
  drain(): Promise<void>;
}

interface Waiting {
  readonly step: StepName;
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

export function createWorkQueue(options: {
  readonly steps: Record<StepName, (signal: AbortSignal) => Promise<void>>;
  /** Aborted at the stop deadline; passed to every step. */
  readonly signal: AbortSignal;
  readonly now: () => number;
  readonly log: Logger;
  readonly onStep?: (event: StepEvent) => void;
}): WorkQueue {
  // In the order asked; at most one entry per step.
  const pending: Waiting[] = [];
  const running = new Map<StepName, { step: StepName; since: number; done: Promise<void> }>();
  let draining = false;

  const run = async (step: StepName, startedAt: number): Promise<void> => {
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
    }
    const endedAt = options.now();
    running.delete(step);
    options.onStep?.(
      error === undefined ? { step, startedAt, endedAt } : { step, startedAt, endedAt, error },
    );
  };

  /** Starts every waiting step that may run beside the running ones and earlier waiting ones. */
  let starting = false;
  let again = false;
  const startReady = (): void => {
    // A step that asks for a step as it starts comes back here: the loop below looks again.
    if (starting) {
      again = true;
      return;
    }
    starting = true;
    try {
      do {
        again = false;
        const ahead: StepName[] = [];
        for (let i = 0; i < pending.length;) {
          const w = pending[i]!;
          const blockers = [...running.keys(), ...ahead];
          if (blockers.some((b) => b === w.step || !mayRunBeside(b, w.step))) {
            ahead.push(w.step);
            i++;
            continue;
          }
          pending.splice(i, 1);
          const entry = { step: w.step, since: options.now(), done: Promise.resolve() };
          running.set(w.step, entry);
          entry.done = run(w.step, entry.since).then(() => {
            w.resolve();
            startReady();
          });
          again = true;
          break;
        }
      } while (again);
    } finally {
      starting = false;
    }
  };

  const runningSteps = () => [...running.values()].sort((a, b) => a.since - b.since);

  return {
    request(step) {
      if (draining) return Promise.resolve();
      let w = pending.find((p) => p.step === step);
      if (w === undefined) {
        const { promise, resolve } = Promise.withResolvers<void>();
        w = { step, promise, resolve };
        pending.push(w);
        startReady();
      }
      return w.promise;
    },
    get running() {
      const [first] = runningSteps();
      return first === undefined ? undefined : { step: first.step, since: first.since };
    },
    get runningSteps() {
      return runningSteps().map(({ step, since }) => ({ step, since }));
    },
    get depth() {
      return pending.length;
    },
    async drain() {
      draining = true;
      // Whoever waits for a step that will not run now is let go.
      for (const w of pending.splice(0)) w.resolve();
      while (running.size > 0) await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}
