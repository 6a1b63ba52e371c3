/**
 * The custom_ids of a batch input file, read back: the one reader of the request lines every
 * stage uses (which slices a file holds, which were sent in a batch, where each came from).
 * Streamed: constant memory whatever the file's size.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import type { BatchInputManifest, SourceRun } from './batch-input-manifest.ts';
import { manifestNameFor } from './file-names.ts';

const CUSTOM_ID_PREFIX = '{"custom_id":';

/** The custom_id of a request line (our writer puts it first: read without a full parse). */
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

/** The reviewed-slice files of a batch input file's lines, from its manifest (none when unreadable). */
export async function readSourceRuns(path: string): Promise<readonly SourceRun[]> {
  try {
    const manifest = JSON.parse(
      await readFile(join(dirname(path), manifestNameFor(basename(path))), 'utf8'),
    ) as BatchInputManifest;
    return manifest.source_lines ?? [];
  } catch {
    return [];
  }
}

/**
 * The reviewed-slice file of request line `lineNo` (1-based), asked for in increasing order:
 * one pass over the runs for a whole file.
 */
export function sourceCursor(runs: readonly SourceRun[]): (lineNo: number) => string | undefined {
  let run = 0;
  return (lineNo) => {
    while (run < runs.length && lineNo >= runs[run]!.first_line + runs[run]!.lines) run++;
    const r = runs[run];
    return r !== undefined && lineNo >= r.first_line ? r.source : undefined;
  };
}

/**
 * The custom_ids of a batch input file, each with the reviewed-slice file it comes from (from
 * the manifest's `source_lines`; undefined for files written before those were recorded).
 */
export async function readCustomIdSources(path: string): Promise<Map<string, string | undefined>> {
  const sourceOf = sourceCursor(await readSourceRuns(path));
  const out = new Map<string, string | undefined>();
  let lineNo = 0;
  for await (const batch of readLineBatches(path)) {
    for (const line of batch) {
      if (line.kind !== 'text') continue;
      const source = sourceOf(++lineNo);
      const id = customIdOfLine(line.text);
      if (id !== undefined) out.set(id, source);
    }
  }
  return out;
}
