/**
 * The rejects report of one reviewed-slice file: one JSON line per line we could not use, with
 * the file, the line number and the reason. Entries are streamed to a temporary file and the
 * report is published atomically when the input file is done, so that a broken file of any
 * size costs no memory and a crash never leaves half a report.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { copyFile, mkdir, rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { fsyncDir, tempPathFor } from '../storage/atomic-file.ts';
import type { RejectEntry } from '../domain/rejects-entry.ts';

export type { RejectEntry } from '../domain/rejects-entry.ts';

/**
 * Entries are written in pieces of about this many characters: one write a piece, not one an
 * entry (a write an entry made a Buffer of each and handed them to the disk by the hundred:
 * 0.1 to 0.15 s of the conversion thread for the 19,454 duplicates of the real-code corpus).
 * Nothing is lost by holding them: the report is published only when its file is done.
 */
export const REPORT_PIECE_CHARS = 64 * 1024;

export interface RejectsReport {
  readonly count: number;
  add(entry: RejectEntry): Promise<void>;
  /** Publishes the report if it has entries; returns its path, or undefined when empty. */
  close(): Promise<string | undefined>;
  abort(): Promise<void>;
}

/**
 * `keepExisting`: the entries go after those of the report already there (the lines appended to
 * an input file read before); the report is still replaced atomically.
 */
export function openRejectsReport(path: string, keepExisting = false): RejectsReport {
  let stream: WriteStream | undefined;
  let tmp = '';
  let count = 0;
  /** Entries not written yet. */
  let piece = '';
  let failed: Error | undefined;
  const throwIfFailed = (): void => {
    if (failed !== undefined) throw failed;
  };
  return {
    get count() {
      return count;
    },
    async add(entry) {
      if (stream === undefined) {
        await mkdir(dirname(path), { recursive: true });
        tmp = tempPathFor(path);
        let flags = 'w';
        if (keepExisting) {
          try {
            await copyFile(path, tmp);
            flags = 'a';
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          }
        }
        stream = createWriteStream(tmp, { flush: true, flags });
        // Kept and thrown by the next call (an unheard 'error' event would end the process).
        stream.on('error', (err) => (failed ??= err));
      }
      throwIfFailed();
      count++;
      piece += `${JSON.stringify(entry)}\n`;
      if (piece.length < REPORT_PIECE_CHARS) return;
      const text = piece;
      piece = '';
      if (!stream.write(text)) await once(stream, 'drain');
    },
    async close() {
      if (stream === undefined) return undefined;
      try {
        throwIfFailed();
        if (piece !== '') stream.write(piece);
        piece = '';
        stream.end();
        await finished(stream);
        throwIfFailed();
        await rename(tmp, path);
      } catch (err) {
        // Not left behind (a full disk would keep it forever).
        stream.destroy();
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
      await fsyncDir(dirname(path));
      return path;
    },
    async abort() {
      piece = '';
      if (stream === undefined) return;
      stream.destroy();
      await unlink(tmp).catch(() => undefined);
    },
  };
}

/** A report that only counts (a dry run). */
export function countingRejectsReport(): RejectsReport {
  let count = 0;
  return {
    get count() {
      return count;
    },
    add() {
      count++;
      return Promise.resolve();
    },
    close: () => Promise.resolve(undefined),
    abort: () => Promise.resolve(),
  };
}
