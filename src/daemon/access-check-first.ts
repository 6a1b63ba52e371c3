/**
 * The start-up access check (daemon-edges.ts's `checkApiAccess`: one listing of the batches)
 * before any step calls the API: the first poll or submit step waits for its answer. So the
 * check is always the daemon's first call, never racing a poll's listing or a submission's
 * reconciliation; a fault profile counting listings (`nth`) counts it first, run after run.
 * Intake, which calls no API, does not wait.
 */
import type { StepName } from './work-queue.ts';

type Step = (signal: AbortSignal) => Promise<void>;

export function accessCheckFirst(
  steps: Record<StepName, Step>,
  check: (signal: AbortSignal) => Promise<void>,
): Record<StepName, Step> {
  let checked: Promise<void> | undefined;
  const after =
    (step: Step): Step =>
    async (signal) => {
      await (checked ??= check(signal));
      signal.throwIfAborted();
      return step(signal);
    };
  return { ...steps, poll: after(steps.poll), submit: after(steps.submit) };
}
