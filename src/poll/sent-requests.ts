/**
 * The requests of a batch input file as numbers: what poll needs to know of a batch's up to
 * 50,000 requests (which custom_ids were sent, in which order, from which reviewed-slice file)
 * without holding their custom_ids as strings.
 *
 * The file is read once: each request line gets an index (its order among the requests), and
 * the table keeps per index two 32-bit hashes of its custom_id, the line's byte offset and
 * length, and the index of its reviewed-slice file (from the manifest's `source_lines`; the few
 * distinct names are kept once). An open-addressing slot table maps the hashes to an index. A
 * lookup whose hashes match is verified by reading the custom_id back from the line at its
 * offset (a few hundred bytes from the page cache), so two ids with the same hashes are never
 * taken for each other. The custom_ids in order are had by reading the file again (`ids`).
 *
 * The table is sent-table.ts. Memory: 32 to 48 bytes a request (typed arrays, grown by doubling), against several hundred
 * for a Map of strings; nothing of a prompt is ever held.
 */
import { closeSync, openSync } from 'node:fs';
import type { SourceRun } from '../domain/batch-input-manifest.ts';
import { customIdOfLine, readSourceRuns, sourceCursor } from '../domain/batch-input-ids.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { SentTable, type RequestLine } from './sent-table.ts';

/** What verifying a result file needs of the requests sent. */
export interface SentIds {
  readonly size: number;
  /** The request's index (0-based, in the file's order), or -1 when it was not sent. */
  indexOf(customId: string): number;
}

export interface SentRequests extends SentIds {
  /** The reviewed-slice file a request came from (undefined for older input files). */
  sourceOf(index: number): string | undefined;
  /** Where a request's line is in the file, in bytes (to read it back). */
  lineOf(index: number): { readonly offset: number; readonly length: number };
  /** Every request's custom_id with its index, in the file's order (the file read again). */
  ids(): AsyncGenerator<{ readonly index: number; readonly id: string }[]>;
  close(): void;
}

/**
 * The custom_id and reviewed-slice file of each request line of `path`, in order (the one
 * reading shared by the table's build and `ids`). A line whose custom_id cannot be read is not
 * a request.
 */
async function* requestLines(
  path: string,
  runs: readonly SourceRun[],
): AsyncGenerator<RequestLine[]> {
  const sourceOf = sourceCursor(runs);
  let lineNo = 0;
  for await (const batch of readLineBatches(path)) {
    const out = [];
    for (const line of batch) {
      if (line.kind !== 'text') continue;
      const source = sourceOf(++lineNo);
      const id = customIdOfLine(line.text);
      if (id !== undefined) out.push({ id, source, offset: line.offset ?? 0, bytes: line.bytes });
    }
    if (out.length > 0) yield out;
  }
}

export async function openSentRequests(path: string): Promise<SentRequests> {
  const runs = await readSourceRuns(path);
  const fd = openSync(path, 'r');
  const table = new SentTable(fd);
  try {
    for await (const batch of requestLines(path, runs)) for (const r of batch) table.add(r);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  const { size } = table;
  let closed = false;
  return {
    size,
    indexOf: (id) => table.indexOf(id),
    sourceOf: (index) => table.sourceOf(index),
    lineOf: (index) => table.lineOf(index),
    async *ids() {
      let index = 0;
      for await (const batch of requestLines(path, [])) {
        const out = [];
        for (const r of batch) {
          // The lines the build skipped (a custom_id seen before) are skipped again.
          if (index < size && table.lineOf(index).offset === r.offset)
            out.push({ index: index++, id: r.id });
        }
        if (out.length > 0) yield out;
      }
    },
    close: () => {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
