/**
 * The port's file calls over the adapter's store: Anthropic has no file API, so an upload is
 * kept here (the requests go inline in the create call) and a batch's output and error files
 * are the local translations of its results (ended-results.ts). A file id names which: an
 * upload's id, or a batch id behind OUTPUT_PREFIX / ERRORS_PREFIX.
 */
import { copyFile, rm, stat } from 'node:fs/promises';
import type { BatchApi } from '../openai/batch-api.ts';
import { gone, sdk, type AnthropicContext } from './adapter-context.ts';
import type { AnthropicStore } from './anthropic-store.ts';
import { ERRORS_PREFIX, OUTPUT_PREFIX } from './batch-object.ts';

/** Where the file of `id` is kept (pure). */
export function localPathOf(store: AnthropicStore, id: string): string {
  if (id.startsWith(OUTPUT_PREFIX)) {
    return store.resultPath(id.slice(OUTPUT_PREFIX.length), 'results');
  }
  if (id.startsWith(ERRORS_PREFIX)) {
    return store.resultPath(id.slice(ERRORS_PREFIX.length), 'errors');
  }
  return store.uploadPath(id);
}

export function localFileCalls(
  ctx: AnthropicContext,
): Pick<BatchApi, 'uploadFile' | 'listFiles' | 'deleteFile' | 'downloadFile'> {
  return {
    uploadFile: async (path, filename) =>
      (await ctx.ready()).keepUpload(path, filename, ctx.clock.now()),
    listFiles: async function* () {
      yield* await (await ctx.ready()).listUploads();
    },
    deleteFile: async (id) => {
      const store = await ctx.ready();
      if (id.startsWith(OUTPUT_PREFIX) || id.startsWith(ERRORS_PREFIX)) {
        await rm(localPathOf(store, id), { force: true });
      } else await store.deleteUpload(id);
    },
    downloadFile: (id, path, _resumeFrom, options) =>
      sdk(options, async () => {
        const from = localPathOf(await ctx.ready(), id);
        // The local copy is whole or absent: the file is written from the start.
        await copyFile(from, path).catch(() => {
          throw gone(`file ${id}`);
        });
        return (await stat(path)).size;
      }),
  };
}
