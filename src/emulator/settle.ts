/**
 * Runs an emulator's batches until no work is pending (each emulator's `settle`): tick, wait for
 * what the tick started, again, until a tick starts nothing.
 */
export async function settleBatches(batches: {
  tick(): void;
  pending(): readonly Promise<unknown>[];
}): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    batches.tick();
    const pending = batches.pending();
    if (pending.length === 0) return;
    await Promise.allSettled(pending);
  }
  throw new Error('emulator did not settle');
}
