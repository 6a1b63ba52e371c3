/**
 * The duplicate store's files of kept slices (duplicate-store.ts), both append-only:
 *
 * - the **index** (`duplicates.index`): a header, then records of INDEX_RECORD bytes, each
 *   with its CRC-32: a slice kept (its exact hash and LSH band keys, and where its data is),
 *   or a mark: all slices before confirmed, one slice confirmed, one slice dropped. It is
 *   read whole when the store is opened, to make the in-memory key tables;
 * - the **data** (`duplicates.data`): per slice kept, its exact hash, a hash of its repo
 *   folder and id, its MinHash signature and where it comes from (repo folder, id, file, line,
 *   time): read by offset, only for the candidates of a lookup and for a duplicate's report.
 *
 * Their header says the version and the shape of the signatures (slots, bands, rows): a file
 * of another is not read (BadLogFileError). The records' layout is duplicate-log-format.ts's, the
 * data file duplicate-data-file.ts's; here, the index file, and the order of writes between the
 * two files.
 *
 * Crash safety: data records are written as they come (not synced); index records are held
 * until `commit` (or until many are held), which syncs the data file, then writes the index
 * records (and syncs them, for `commit`). So an index record on disk never points at data that
 * is not, and a torn index tail (a record cut short or with a wrong checksum) is a write that
 * did not finish: it and all after it are ignored, and cut off when the index is next opened
 * for writing.
 */
import { closeSync, fsyncSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { openDataFile, openLogFile, type DataFile } from './duplicate-data-file.ts';
import {
  HEADER,
  INDEX_MAGIC,
  INDEX_RECORD,
  INDEX_WORDS,
  Words,
  checksumHolds,
  newRecord,
  readRecord,
  writeMarkRecord,
  writeSliceRecord,
  type DataRecord,
  type IndexRecord,
} from './duplicate-log-format.ts';

export {
  BadLogFileError,
  INDEX_MAGIC,
  INDEX_RECORD,
  KIND_CONFIRM,
  KIND_CONFIRM_ALL,
  KIND_DROP,
  KIND_SLICE,
  type DataRecord,
  type IndexRecord,
} from './duplicate-log-format.ts';

/** Index records held at most before they are written. */
const HELD_MAX = INDEX_RECORD * 8192;

/**
 * Calls `onRecord` with each record of the index file `fd` in order, up to the first that is
 * cut short or fails its checksum (not checked with `trusted`: records read before); the size
 * of the valid part.
 */
function scanIndex(
  fd: number,
  size: number,
  onRecord: (r: IndexRecord) => void,
  trusted = false,
): number {
  const buf = Buffer.alloc(INDEX_RECORD * 4096);
  const w = new Uint32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const rec = newRecord();
  let pos = HEADER;
  for (;;) {
    const n = pos < size ? readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos) : 0;
    const whole = Math.floor(n / INDEX_RECORD);
    if (whole === 0) return pos;
    for (let i = 0; i < whole; i++) {
      const at = i * INDEX_WORDS;
      if (!trusted && !checksumHolds(w, at)) return pos;
      readRecord(w, at, rec);
      onRecord(rec);
      pos += INDEX_RECORD;
    }
  }
}

/**
 * The index file at `path`, read whole (each valid record to `onRecord`, in order) and its torn
 * tail cut off (unless `readOnly`).
 */
function openIndexFile(
  path: string,
  readOnly: boolean,
  onRecord: (r: IndexRecord) => void,
): { fd: number; size: number } {
  const index = openLogFile(path, INDEX_MAGIC, readOnly);
  try {
    const valid = scanIndex(index.fd, index.size, onRecord);
    if (valid < index.size && !readOnly) ftruncateSync(index.fd, valid);
    index.size = valid;
    return index;
  } catch (err) {
    closeSync(index.fd);
    throw err;
  }
}

export interface LogFiles {
  /** Appends a slice's data (written soon, synced at commit) and its index record (held). */
  appendSlice(
    exact: readonly number[],
    idHash: number,
    signature: Uint32Array | undefined,
    bands: Uint32Array | undefined,
    meta: string,
  ): number;
  appendMark(kind: number, ref: number): void;
  /** The data record at `offset` (from appendSlice, or an index record's aux). */
  read(offset: number): DataRecord;
  /** Calls `onRecord` with each index record in order, written and held. */
  scan(onRecord: (r: IndexRecord) => void): void;
  /** Bytes of index records held. */
  readonly held: number;
  /** Syncs the data, then writes and syncs the held index records. */
  commit(): void;
  /** Drops what is held, and closes the files. */
  close(): void;
}

/**
 * A store's files: the index at `indexPath` and the data at `dataPath`, made when missing
 * (unless `readOnly`: then nothing can be appended). Opening reads the whole index, calling
 * `onRecord` with each valid record in order (a torn tail is cut off, unless `readOnly`).
 * Without `durable` (a dry run's files of its own), nothing is synced.
 */
export function openLogFiles(
  indexPath: string,
  dataPath: string,
  options: { readOnly: boolean; durable: boolean },
  onRecord: (r: IndexRecord) => void,
): LogFiles {
  const { readOnly, durable } = options;
  const index = openIndexFile(indexPath, readOnly, onRecord);
  let data: DataFile;
  try {
    data = openDataFile(dataPath, options);
  } catch (err) {
    closeSync(index.fd);
    throw err;
  }
  const held = new Words(INDEX_RECORD * 256);
  let heldLength = 0;

  /** A new index record's first word in `held` (zeroed). */
  const holdIndex = (): number => {
    held.grow(heldLength + INDEX_RECORD, heldLength);
    const at = heldLength / 4;
    held.w.fill(0, at, at + INDEX_WORDS);
    heldLength += INDEX_RECORD;
    return at;
  };
  const readOnlyError = (): Error => new Error('the store was opened read-only');
  /** The data synced, then the index records held written (synced by `commit`). */
  const writeHeld = (): void => {
    data.sync();
    writeSync(index.fd, held.buf, 0, heldLength, index.size);
    index.size += heldLength;
    heldLength = 0;
  };

  return {
    get held() {
      return heldLength;
    },

    appendSlice(exact, idHash, signature, bands, meta) {
      if (readOnly) throw readOnlyError();
      const offset = data.append({ exact, idHash, signature, meta });
      const at = holdIndex(); // before `held.w`, which it may make anew
      writeSliceRecord(held.w, at, exact, bands, offset);
      // Held records are written now and then, after the data they point at is synced: a
      // slice kept is pending until confirmed, so one on disk before its commit is settled
      // like any other (memory does not grow with a batch input file's slices).
      if (heldLength >= HELD_MAX) writeHeld();
      return offset;
    },

    appendMark(kind, ref) {
      if (readOnly) throw readOnlyError();
      const at = holdIndex();
      writeMarkRecord(held.w, at, kind, ref);
    },

    read(offset) {
      return data.read(offset);
    },

    scan(onRecord) {
      scanIndex(index.fd, index.size, onRecord, true);
      const rec = newRecord();
      for (let at = 0; at < heldLength / 4; at += INDEX_WORDS) {
        readRecord(held.w, at, rec);
        onRecord(rec);
      }
    },

    commit() {
      if (readOnly || heldLength === 0) return;
      writeHeld();
      if (durable) fsyncSync(index.fd);
    },

    close() {
      heldLength = 0;
      data.close();
      closeSync(index.fd);
    },
  };
}
