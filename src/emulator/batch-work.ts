/**
 * The background work of the emulator's batches: a batch's validation, and the effect of a
 * lifecycle step (a run, its result files), each started without being waited for, its failure
 * reported (`onError`, with the batch id) rather than thrown, and its end awaited by the
 * emulator's settle and close.
 */
export function createBatchWork(onError: (err: unknown, batchId: string) => void) {
  const validations = new Map<string, Promise<void>>();
  const effects = new Map<string, Promise<void>>();
  const track = (map: Map<string, Promise<void>>, id: string, work: () => Promise<void>) => {
    const p = work()
      .catch((err: unknown) => onError(err, id))
      .finally(() => map.delete(id));
    map.set(id, p);
  };
  const pending = (): Promise<void>[] => [...validations.values(), ...effects.values()];
  return {
    validate: (batchId: string, work: () => Promise<void>): void =>
      track(validations, batchId, work),
    effect: (batchId: string, work: () => Promise<void>): void => track(effects, batchId, work),
    /** A step's effect is under way for the batch. */
    busy: (batchId: string): boolean => effects.has(batchId),
    pending,
    /** Waits for all of it, including work started while waiting. */
    async settle(): Promise<void> {
      while (validations.size > 0 || effects.size > 0) await Promise.allSettled(pending());
    },
  };
}

export type BatchWork = ReturnType<typeof createBatchWork>;
