/**
 * The providers' listings interleaved item by item (each newest first): a search that stops
 * after a run of old batches (reconcile.ts) sees the newest of every provider first. Listings
 * left early (the caller found what it looked for) are closed.
 */
import type { BatchApi } from '../openai/batch-api.ts';
import type { ProviderApi, ProviderName } from './port.ts';

export async function* interleavedListings<T>(
  apis: ReadonlyMap<ProviderName, ProviderApi>,
  list: (api: BatchApi) => AsyncIterable<T>,
  /** Told of each item and the provider that listed it. */
  seen: (item: T, p: ProviderName) => void,
): AsyncGenerator<T> {
  const open = [...apis].map(([p, a]) => ({ p, it: list(a)[Symbol.asyncIterator]() }));
  try {
    while (open.length > 0) {
      for (let i = 0; i < open.length;) {
        const { p, it } = open[i]!;
        const next = await it.next();
        if (next.done === true) {
          open.splice(i, 1);
          continue;
        }
        seen(next.value, p);
        yield next.value;
        i++;
      }
    }
  } finally {
    for (const { it } of open) await it.return?.().catch(() => undefined);
  }
}
