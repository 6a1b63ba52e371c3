/**
 * Two providers in one run (`scenarios.scenario1.provider` and `scenario2.provider` apart): one
 * port that sends each call to the provider that owns what it names. An upload goes by its
 * file's scenario (every batch input file is named `scenario<n>_batch_input_...`), a batch by
 * its input file's provider (or, after a restart, the file named in its metadata); the ids the
 * answers carry are remembered with their provider (id-owners.ts). An id not seen since the start
 * (a job from before a restart) is asked of each provider in turn: a 404 from one is not an
 * answer. Listings are the providers' listings interleaved (interleaved-listings.ts).
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { BatchApi, CallOptions, RemoteBatch } from '../openai/batch-api.ts';
import { IdOwners } from './id-owners.ts';
import { interleavedListings } from './interleaved-listings.ts';
import type { ProviderApi, ProviderName } from './port.ts';

const SCENARIO = /(?:^|\/)(scenario[12])_/;

export function routedApi(
  apis: ReadonlyMap<ProviderName, ProviderApi>,
  providerOfScenario: (scenario: string | null) => ProviderName,
  main: ProviderName,
): ProviderApi {
  const owners = new IdOwners(apis);
  const apiOf = (p: ProviderName): ProviderApi => apis.get(p)!;
  const byName = (name: string | undefined): ProviderApi =>
    apiOf(providerOfScenario(SCENARIO.exec(name ?? '')?.[1] ?? null));
  const note = (id: string | null | undefined, p: ProviderName): void => owners.note(id, p);
  const noteBatch = (b: RemoteBatch, p: ProviderName): RemoteBatch => owners.noteBatch(b, p);
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
      interleavedListings(
        apis,
        (a) => a.listFiles(purpose, options),
        (f, p) => note(f.id, p),
      ),
    async deleteFile(id, options) {
      const known = owners.get(id);
      // Deleting a file that does not exist is no error: ask each provider when unknown.
      for (const [p, a] of apis)
        if (known === undefined || known === p) await a.deleteFile(id, options);
    },
    async createBatch(params, options: CallOptions | undefined) {
      const p =
        owners.get(params.inputFileId) ?? byName(params.metadata['slicebatch_file']).provider;
      return noteBatch(await apiOf(p).createBatch(params, options), p);
    },
    retrieveBatch: (id, options) =>
      owners.onOwner(id, async (a, p) => noteBatch(await a.retrieveBatch(id, options), p)),
    listBatches: (options) =>
      interleavedListings(
        apis,
        (a) => a.listBatches(options),
        (b, p) => noteBatch(b, p),
      ),
    cancelBatch: (id, options) =>
      owners.onOwner(id, async (a, p) => noteBatch(await a.cancelBatch(id, options), p)),
    downloadFile: (id, path, resumeFrom, options) =>
      owners.onOwner(id, (a) => a.downloadFile(id, path, resumeFrom, options)),
  };
  const named = apis.has(main) ? main : [...apis.keys()][0]!;
  return { ...api, provider: named, capabilities: apiOf(named).capabilities };
}
