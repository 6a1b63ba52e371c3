/**
 * The order a batch's requests finish in, and so the order of its result lines: not the input
 * order. The Batch guide says so ("the output line order may not match the input line order";
 * join on `custom_id`), and a client that pairs results with requests by position must fail
 * here too. Each next request is a seeded draw among the next `window` requests of the input:
 * memory stays bounded, and a run (a rerun after a restart as well) repeats exactly. The draws
 * are keyed by the batch's first request (its `keyOf`: the custom_id), not by the batch's id,
 * which is random (ids.ts): the same seed and input finish in the same order in any emulator.
 */
import { unitHash } from './ids.ts';

export const FINISH_ORDER_WINDOW = 32;

export function inFinishOrder<T>(
  next: () => Promise<T | undefined>,
  seed: number,
  keyOf: (item: T) => string,
  window = FINISH_ORDER_WINDOW,
): () => Promise<T | undefined> {
  const pool: T[] = [];
  let ended = false;
  let draws = 0;
  let batchKey: string | undefined;
  return async () => {
    while (!ended && pool.length < window) {
      const item = await next();
      if (item === undefined) ended = true;
      else pool.push(item);
    }
    if (pool.length === 0) return undefined;
    batchKey ??= keyOf(pool[0]!);
    const i = Math.floor(unitHash(seed, 'finish-order', batchKey, String(draws++)) * pool.length);
    return pool.splice(i, 1)[0];
  };
}
