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
import type { BatchInputManifest, SourceRun } from './batch-input-writer.ts';

/** The `source` recorded for slices converted by an earlier run. */
export const CONVERTED_EARLIER = 0xffffffff;

const CUSTOM_ID_PREFIX = '{"custom_id":';

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

export function customIdOfLine(text: string): string | undefined {
  if (text.startsWith(CUSTOM_ID_PREFIX + '"')) {
    // Our own writer puts custom_id first: read just that string.
    const end = text.indexOf('",', CUSTOM_ID_PREFIX.length + 1);
    if (end !== -1) {
      try {
        return JSON.parse(text.slice(CUSTOM_ID_PREFIX.length, end + 1)) as string;
      } catch {
        // fall through to a full parse
      }
    }
  }
  try {
    const v = JSON.parse(text) as { custom_id?: unknown };
    return typeof v.custom_id === 'string' ? v.custom_id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds the slice ids of the batch input files directly in `folder` (one repo folder of the batch
 * input stage; its sub-folders are other repos) to `seen`.
 */
export async function loadConvertedSlices(
  folder: string,
  seen: SeenSliceIds = new SeenSliceIds(),
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

/** The custom_ids of a batch input file (requests sent with it). */
export async function readCustomIds(path: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const batch of readLineBatches(path)) {
    for (const line of batch) {
      if (line.kind !== 'text') continue;
      const id = customIdOfLine(line.text);
      if (id !== undefined) ids.add(id);
    }
  }
  return ids;
}

/**
 * The custom_ids of a batch input file, each with the reviewed-slice file it comes from (from
 * the manifest's `source_lines`; undefined for files written before those were recorded).
 */
export async function readCustomIdSources(path: string): Promise<Map<string, string | undefined>> {
  let runs: readonly SourceRun[];
  try {
    const manifest = JSON.parse(
      await readFile(join(dirname(path), manifestNameFor(basename(path))), 'utf8'),
    ) as BatchInputManifest;
    runs = manifest.source_lines ?? [];
  } catch {
    runs = [];
  }
  const out = new Map<string, string | undefined>();
  let run = 0;
  let lineNo = 0;
  for await (const batch of readLineBatches(path)) {
    for (const line of batch) {
      if (line.kind !== 'text') continue;
      lineNo++;
      while (run < runs.length && lineNo >= runs[run]!.first_line + runs[run]!.lines) run++;
      const r = runs[run];
      const source = r !== undefined && lineNo >= r.first_line ? r.source : undefined;
      const id = customIdOfLine(line.text);
      if (id !== undefined) out.set(id, source);
    }
  }
  return out;
}
