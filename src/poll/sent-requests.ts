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
 * Memory: 32 to 48 bytes a request (typed arrays, grown by doubling), against several hundred
 * for a Map of strings; nothing of a prompt is ever held.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { SourceRun } from '../domain/batch-input-manifest.ts';
import { customIdOfLine, readSourceRuns, sourceCursor } from '../domain/batch-input-ids.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { hashA, hashB } from '../storage/text-fingerprint.ts';

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

/** Bytes read back to verify a custom_id (the whole line when the id is not within them). */
const PEEK_BYTES = 512;

/**
 * The custom_id and reviewed-slice file of each request line of `path`, in order (the one
 * reading shared by the table's build and `ids`). A line whose custom_id cannot be read is not
 * a request.
 */
async function* requestLines(
  path: string,
  runs: readonly SourceRun[],
): AsyncGenerator<{ id: string; source: string | undefined; offset: number; bytes: number }[]> {
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

function grown<T extends Uint32Array | Float64Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export async function openSentRequests(path: string): Promise<SentRequests> {
  const runs = await readSourceRuns(path);
  const sources: string[] = [];
  const sourceIndex = new Map<string, number>();
  let capacity = 1024;
  let hashesA = new Uint32Array(capacity);
  let hashesB = new Uint32Array(capacity);
  let offsets = new Float64Array(capacity);
  let lengths = new Uint32Array(capacity);
  // 0: no source; n: sources[n - 1].
  let sourceOf = new Uint32Array(capacity);
  // index + 1 per slot, 0 for an empty slot; at most half full.
  let slots = new Uint32Array(capacity * 2);
  let size = 0;
  const fd = openSync(path, 'r');

  /** The custom_id of the request line at `index`, read back from the file. */
  const idAt = (index: number): string | undefined => {
    const length = lengths[index]!;
    const want = Math.min(length, PEEK_BYTES);
    const buf = Buffer.allocUnsafe(want);
    const n = readSync(fd, buf, 0, want, offsets[index]!);
    const id = customIdOfLine(buf.toString('utf8', 0, n));
    if (id !== undefined || want === length) return id;
    const whole = Buffer.allocUnsafe(length);
    return customIdOfLine(
      whole.toString('utf8', 0, readSync(fd, whole, 0, length, offsets[index]!)),
    );
  };

  const place = (index: number): void => {
    const mask = slots.length - 1;
    let s = hashesA[index]! & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = index + 1;
  };

  /** The index of `id`, verified against the file, or -1. */
  const find = (id: string, a: number, b: number): number => {
    const mask = slots.length - 1;
    for (let s = a & mask; slots[s] !== 0; s = (s + 1) & mask) {
      const i = slots[s]! - 1;
      if (hashesA[i] === a && hashesB[i] === b && idAt(i) === id) return i;
    }
    return -1;
  };

  try {
    for await (const batch of requestLines(path, runs)) {
      for (const r of batch) {
        const a = hashA(r.id);
        const b = hashB(r.id);
        // The same custom_id twice in one file: the first line is the request.
        if (find(r.id, a, b) !== -1) continue;
        if (size === capacity) {
          capacity *= 2;
          hashesA = grown(hashesA, capacity);
          hashesB = grown(hashesB, capacity);
          offsets = grown(offsets, capacity);
          lengths = grown(lengths, capacity);
          sourceOf = grown(sourceOf, capacity);
          slots = new Uint32Array(capacity * 2);
          for (let i = 0; i < size; i++) place(i);
        }
        hashesA[size] = a;
        hashesB[size] = b;
        offsets[size] = r.offset;
        lengths[size] = r.bytes;
        if (r.source !== undefined) {
          let n = sourceIndex.get(r.source);
          if (n === undefined) {
            sources.push(r.source);
            n = sources.length;
            sourceIndex.set(r.source, n);
          }
          sourceOf[size] = n;
        }
        place(size);
        size++;
      }
    }
  } catch (err) {
    closeSync(fd);
    throw err;
  }

  let closed = false;
  return {
    size,
    indexOf: (id) => find(id, hashA(id), hashB(id)),
    sourceOf: (index) => {
      const n = sourceOf[index] ?? 0;
      return n === 0 ? undefined : sources[n - 1];
    },
    lineOf: (index) => ({ offset: offsets[index]!, length: lengths[index]! }),
    async *ids() {
      let index = 0;
      for await (const batch of requestLines(path, [])) {
        const out = [];
        for (const r of batch) {
          // The lines the build skipped (a custom_id seen before) are skipped again.
          if (index < size && offsets[index] === r.offset) out.push({ index: index++, id: r.id });
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
