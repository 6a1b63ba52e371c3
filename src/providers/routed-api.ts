/**
 * Two providers in one run (`scenarios.scenario1.provider` and `scenario2.provider` apart): one
 * port that sends each call to the provider that owns what it names. An upload goes by its
 * file's scenario (every batch input file is named `scenario<n>_batch_input_...`), a batch by
 * its input file's provider (or, after a restart, the file named in its metadata); the ids the
 * answers carry are remembered with their provider. An id not seen since the start (a job from
 * before a restart) is asked of each provider in turn: a 404 from one is not an answer.
 * Listings are the providers' listings one after the other.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ApiError } from '../errors.ts';
import type { BatchApi, CallOptions, RemoteBatch } from '../openai/batch-api.ts';
import type { ProviderApi, ProviderName } from './port.ts';

const SCENARIO = /(?:^|\/)(scenario[12])_/;

export function routedApi(
  apis: ReadonlyMap<ProviderName, ProviderApi>,
  providerOfScenario: (scenario: string | null) => ProviderName,
  main: ProviderName,
): ProviderApi {
  const owner = new Map<string, ProviderName>();
  const apiOf = (p: ProviderName): ProviderApi => apis.get(p)!;
  const byName = (name: string | undefined): ProviderApi =>
    apiOf(providerOfScenario(SCENARIO.exec(name ?? '')?.[1] ?? null));
  const note = (id: string | null | undefined, p: ProviderName): void => {
    if (id) owner.set(id, p);
  };
  const noteBatch = (b: RemoteBatch, p: ProviderName): RemoteBatch => {
    note(b.id, p);
    note(b.input_file_id, p);
    note(b.output_file_id, p);
    note(b.error_file_id, p);
    return b;
  };
  /** The call on the id's provider; unknown: each in turn until one does not answer 404. */
  async function onOwner<T>(
    id: string,
    call: (api: BatchApi, p: ProviderName) => Promise<T>,
  ): Promise<T> {
    const known = owner.get(id);
    if (known !== undefined) return call(apiOf(known), known);
    let last: unknown;
    for (const [p, api] of apis) {
      try {
        const result = await call(api, p);
        note(id, p);
        return result;
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
        last = err;
      }
    }
    throw last;
  }
  /**
   * The providers' listings interleaved item by item (each newest first): a search that stops
   * after a run of old batches (reconcile.ts) sees the newest of every provider first.
   */
  const everyProvider = async function* <T>(
    list: (api: BatchApi) => AsyncIterable<T>,
    seen: (item: T, p: ProviderName) => void,
  ): AsyncIterable<T> {
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
      // Listings left early (the caller found what it looked for) are closed.
      for (const { it } of open) await it.return?.().catch(() => undefined);
    }
  };
  const api: BatchApi = {
    async uploadedBytes(path: string): Promise<number> {
      const chosen = byName(basename(path));
      return (await chosen.uploadedBytes?.(path)) ?? (await stat(path)).size;
    },
    async uploadFile(path, filename, expiresAfterS, options) {
      const chosen = byName(filename);
      const f = await chosen.uploadFile(path, filename, expiresAfterS, options);
      note(f.id, chosen.provider);
      return f;
    },
    listFiles: (purpose, options) =>
      everyProvider(
        (a) => a.listFiles(purpose, options),
        (f, p) => note(f.id, p),
      ),
    async deleteFile(id, options) {
      const known = owner.get(id);
      // Deleting a file that does not exist is no error: ask each provider when unknown.
      for (const [p, a] of apis)
        if (known === undefined || known === p) await a.deleteFile(id, options);
    },
    async createBatch(params, options: CallOptions | undefined) {
      const p =
        owner.get(params.inputFileId) ?? byName(params.metadata['slicebatch_file']).provider;
      return noteBatch(await apiOf(p).createBatch(params, options), p);
    },
    retrieveBatch: (id, options) =>
      onOwner(id, async (a, p) => noteBatch(await a.retrieveBatch(id, options), p)),
    listBatches: (options) =>
      everyProvider(
        (a) => a.listBatches(options),
        (b, p) => noteBatch(b, p),
      ),
    cancelBatch: (id, options) =>
      onOwner(id, async (a, p) => noteBatch(await a.cancelBatch(id, options), p)),
    downloadFile: (id, path, resumeFrom, options) =>
      onOwner(id, (a) => a.downloadFile(id, path, resumeFrom, options)),
  };
  const named = apis.has(main) ? main : [...apis.keys()][0]!;
  return { ...api, provider: named, capabilities: apiOf(named).capabilities };
}
