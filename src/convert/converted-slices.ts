/**
 * Which slices were already converted: the batch input files themselves are the record (a
 * file under a final name is complete, see batch-input-writer.ts), so the set is rebuilt from
 * their `custom_id`s and can never disagree with them. Slice ids are unique within a repo
 * folder, so the set is built one folder at a time.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { SeenSliceIds } from '../domain/seen-slice-ids.ts';
import { parseCustomId } from '../domain/custom-id.ts';
import { isBatchInputName, manifestNameFor } from '../domain/file-names.ts';
import type { BatchInputManifest } from '../domain/batch-input-manifest.ts';
import { customIdOfLine } from '../domain/batch-input-ids.ts';

// Read by other stages from the domain (batch-input-ids.ts); here for earlier importers.
export { customIdOfLine, readCustomIds, readCustomIdSources } from '../domain/batch-input-ids.ts';

/** The `source` recorded for slices converted by an earlier run. */
export const CONVERTED_EARLIER = 0xffffffff;

/** The attempt of the requests of a batch input file, from its manifest (1 without one). */
async function requestAttemptOf(path: string): Promise<number> {
  try {
    const manifest = JSON.parse(
      await readFile(join(dirname(path), manifestNameFor(basename(path))), 'utf8'),
    ) as Partial<BatchInputManifest>;
    return typeof manifest.attempt === 'number' ? manifest.attempt : 1;
  } catch {
    return 1;
  }
}

/**
 * Adds the slice ids of the batch input files directly in `folder` (one repo folder of the batch
 * input stage; its sub-folders are other repos) to `seen`; with `only`, of those among its paths.
 */
export async function loadConvertedSlices(
  folder: string,
  seen: SeenSliceIds = new SeenSliceIds(),
  only?: ReadonlySet<string>,
): Promise<SeenSliceIds> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return seen;
    throw err;
  }
  for (const name of names.filter(isBatchInputName).sort()) {
    const path = join(folder, name);
    if (only !== undefined && !only.has(path)) continue;
    const requestAttempt = await requestAttemptOf(path);
    for await (const batch of readLineBatches(path)) {
      for (const line of batch) {
        if (line.kind !== 'text') continue;
        const customId = customIdOfLine(line.text);
        const sliceId =
          customId === undefined ? undefined : parseCustomId(customId, requestAttempt).sliceId;
        if (sliceId !== undefined) seen.add(sliceId, { source: CONVERTED_EARLIER, lineNo: 0 });
      }
    }
  }
  return seen;
}
