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
 * of another is not read (BadLogFileError). Numbers are 32-bit words in the machine's byte order
 * (the header's shape word tells a file of the other order: it is not read either).
 *
 * Crash safety: data records are written as they come (not synced); index records are held
 * until `commit` (or until many are held), which syncs the data file, then writes the index
 * records (and syncs them, for `commit`). So an index record on disk never points at data that
 * is not, and a torn index tail (a record cut short or with a wrong checksum) is a write that
 * did not finish: it and all after it are ignored, and cut off when the index is next opened
 * for writing.
 */
import {
  constants,
  closeSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { BANDS, ROWS, SLOTS, mix } from '../domain/code-fingerprint.ts';

export const INDEX_MAGIC = 'slicebatch-dup-index\n';
const DATA_MAGIC = 'slicebatch-dup-data\n';
/** The header: the magic, then the version and the shape of signatures and bands. */
const HEADER = 32;
const VERSION = 1;
const SHAPE = (SLOTS << 16) | (BANDS << 8) | ROWS;

/** An index record, in 32-bit words: checksum, kind and flags, aux, exact (3), bands. */
const W_SUM = 0;
const W_KIND = 1;
const W_AUX = 2;
const W_EXACT = 3;
const W_BANDS = 6;
const INDEX_WORDS = W_BANDS + BANDS;
export const INDEX_RECORD = INDEX_WORDS * 4;
export const KIND_SLICE = 1;
export const KIND_CONFIRM_ALL = 2;
export const KIND_CONFIRM = 3;
export const KIND_DROP = 4;
const HAS_SIGNATURE = 0x100;
/** A data record, in 32-bit words: its length in bytes, exact (3), id hash, flags, signature. */
const D_EXACT = 1;
const D_ID = 4;
const D_FLAGS = 5;
const D_SIGNATURE = 6;
/** Data is written out in pieces of about this size. */
const DATA_PIECE = 256 * 1024;
/** Index records held at most before they are written. */
const HELD_MAX = INDEX_RECORD * 8192;
/** Bytes read for a data record (most are shorter; a longer one is read again whole). */
const READ_AHEAD = 1024;

/** The file is not one of this version (or not one at all). */
export class BadLogFileError extends Error {}

/** One index record, as read (valid until the next one). */
export interface IndexRecord {
  kind: number;
  /** KIND_SLICE: whether it has a signature and band keys. */
  signed: boolean;
  /** KIND_SLICE: its data offset; a mark: the slice it is about. */
  aux: number;
  exact: Uint32Array;
  bands: Uint32Array;
}

/** One slice's data record, as read: valid until the next read. */
export interface DataRecord {
  readonly exact: Uint32Array;
  readonly idHash: number;
  readonly signature: Uint32Array | undefined;
  /** Where it comes from, as written (JSON). */
  meta(): string;
}

function header(magic: string): Buffer {
  const b = Buffer.alloc(HEADER);
  b.write(magic, 0, 'latin1');
  const words = new Uint32Array(b.buffer, b.byteOffset, HEADER / 4);
  words[6] = VERSION;
  words[7] = SHAPE;
  return b;
}

function checkHeader(fd: number, magic: string, file: string): void {
  const b = Buffer.alloc(HEADER);
  const n = readSync(fd, b, 0, HEADER, 0);
  const words = new Uint32Array(b.buffer, b.byteOffset, HEADER / 4);
  const ok =
    n === HEADER &&
    b.toString('latin1', 0, magic.length) === magic &&
    words[6] === VERSION &&
    words[7] === SHAPE;
  if (!ok) throw new BadLogFileError(`${file}: not a duplicate store file of this version`);
}

/** Opens (or, unless `readOnly`, creates) a file with its header; its size. */
function openFile(path: string, magic: string, readOnly: boolean): { fd: number; size: number } {
  // Positioned writes: not O_APPEND, with which Linux appends whatever the position.
  const fd = openSync(path, readOnly ? constants.O_RDONLY : constants.O_RDWR | constants.O_CREAT);
  try {
    let size = fstatSync(fd).size;
    if (size === 0) {
      if (!readOnly) {
        writeSync(fd, header(magic), 0, HEADER, 0);
        fsyncSync(fd);
      }
      size = HEADER;
    } else {
      checkHeader(fd, magic, path);
    }
    return { fd, size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The checksum of the index record at word `at` of `w`. */
function checksum(w: Uint32Array, at: number): number {
  let h = 0x7a3c1d5b;
  for (let k = 1; k < INDEX_WORDS; k++) h = mix(h ^ w[at + k]!);
  return h;
}

const newRecord = (): IndexRecord => ({
  kind: 0,
  signed: false,
  aux: 0,
  exact: new Uint32Array(3),
  bands: new Uint32Array(BANDS),
});

/** Reads the record at word `at` of `w` into `rec`. */
function readRecord(w: Uint32Array, at: number, rec: IndexRecord): void {
  const kind = w[at + W_KIND]!;
  rec.kind = kind & 0xff;
  rec.signed = (kind & HAS_SIGNATURE) !== 0;
  rec.aux = w[at + W_AUX]! * (rec.kind === KIND_SLICE ? 8 : 1);
  for (let k = 0; k < 3; k++) rec.exact[k] = w[at + W_EXACT + k]!;
  for (let k = 0; k < BANDS; k++) rec.bands[k] = w[at + W_BANDS + k]!;
}

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
      if (!trusted && checksum(w, at) !== w[at + W_SUM]) return pos;
      readRecord(w, at, rec);
      onRecord(rec);
      pos += INDEX_RECORD;
    }
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

/** A growable buffer with a 32-bit word view of it. */
class Words {
  buf: Buffer;
  w: Uint32Array;
  constructor(bytes: number) {
    this.buf = Buffer.alloc(bytes);
    this.w = new Uint32Array(this.buf.buffer, this.buf.byteOffset, bytes / 4);
  }
  /** At least `bytes`, the first `keep` bytes kept. */
  grow(bytes: number, keep: number): void {
    if (bytes <= this.buf.length) return;
    const old = this.buf;
    this.buf = Buffer.alloc(Math.max(bytes, 2 * old.length));
    this.w = new Uint32Array(this.buf.buffer, this.buf.byteOffset, this.buf.length / 4);
    old.copy(this.buf, 0, 0, keep);
  }
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
  const index = openFile(indexPath, INDEX_MAGIC, readOnly);
  let data: { fd: number; size: number };
  try {
    const valid = scanIndex(index.fd, index.size, onRecord);
    if (valid < index.size && !readOnly) ftruncateSync(index.fd, valid);
    index.size = valid;
    data = openFile(dataPath, DATA_MAGIC, readOnly);
  } catch (err) {
    closeSync(index.fd);
    throw err;
  }
  const held = new Words(INDEX_RECORD * 256);
  let heldLength = 0;
  const piece = new Words(DATA_PIECE * 2);
  let pieceLength = 0;
  /** The data offset where `piece` starts (records are 8-byte aligned). */
  let pieceAt = Math.ceil(data.size / 8) * 8;
  const scratch = new Words(4096);

  const flushPiece = (): void => {
    if (pieceLength === 0) return;
    writeSync(data.fd, piece.buf, 0, pieceLength, pieceAt);
    pieceAt += pieceLength;
    pieceLength = 0;
  };
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
    flushPiece();
    if (durable) fsyncSync(data.fd);
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
      const metaBytes = Buffer.byteLength(meta);
      const length = D_SIGNATURE * 4 + (signature === undefined ? 0 : SLOTS * 4) + metaBytes;
      const padded = Math.ceil(length / 8) * 8;
      if (pieceLength + padded > piece.buf.length) {
        flushPiece();
        piece.grow(padded, 0);
      }
      const offset = pieceAt + pieceLength;
      const w = piece.w;
      const at = pieceLength / 4;
      w[at] = length;
      w[at + D_EXACT] = exact[0]!;
      w[at + D_EXACT + 1] = exact[1]!;
      w[at + D_EXACT + 2] = exact[2]!;
      w[at + D_ID] = idHash;
      w[at + D_FLAGS] = signature === undefined ? 0 : HAS_SIGNATURE;
      let metaAt = (at + D_SIGNATURE) * 4;
      if (signature !== undefined) {
        w.set(signature, at + D_SIGNATURE);
        metaAt += SLOTS * 4;
      }
      piece.buf.write(meta, metaAt, 'utf8');
      piece.buf.fill(0, metaAt + metaBytes, pieceLength + padded);
      pieceLength += padded;
      if (pieceLength >= DATA_PIECE) flushPiece();

      const r = holdIndex();
      const h = held.w;
      h[r + W_KIND] = KIND_SLICE | (bands === undefined ? 0 : HAS_SIGNATURE);
      h[r + W_AUX] = offset / 8;
      h[r + W_EXACT] = exact[0]!;
      h[r + W_EXACT + 1] = exact[1]!;
      h[r + W_EXACT + 2] = exact[2]!;
      if (bands !== undefined) h.set(bands, r + W_BANDS);
      h[r + W_SUM] = checksum(h, r);
      // Held records are written now and then, after the data they point at is synced: a
      // slice kept is pending until confirmed, so one on disk before its commit is settled
      // like any other (memory does not grow with a batch input file's slices).
      if (heldLength >= HELD_MAX) writeHeld();
      return offset;
    },

    appendMark(kind, ref) {
      if (readOnly) throw readOnlyError();
      const r = holdIndex();
      held.w[r + W_KIND] = kind;
      held.w[r + W_AUX] = ref;
      held.w[r + W_SUM] = checksum(held.w, r);
    },

    read(offset) {
      let w: Uint32Array;
      let at: number;
      let bytes: Buffer;
      if (offset >= pieceAt) {
        w = piece.w;
        bytes = piece.buf;
        at = (offset - pieceAt) / 4;
      } else {
        const n = readSync(data.fd, scratch.buf, 0, READ_AHEAD, offset);
        const length = n >= 4 ? scratch.w[0]! : 0;
        if (length > n) {
          scratch.grow(length, 0);
          if (readSync(data.fd, scratch.buf, 0, length, offset) < length) {
            throw new BadLogFileError(`${dataPath}: the slice at ${offset} is cut short`);
          }
        }
        w = scratch.w;
        bytes = scratch.buf;
        at = 0;
      }
      const length = w[at]!;
      if (length < D_SIGNATURE * 4) throw new BadLogFileError(`${dataPath}: no slice at ${offset}`);
      const signed = (w[at + D_FLAGS]! & HAS_SIGNATURE) !== 0;
      const metaAt = (at + D_SIGNATURE) * 4 + (signed ? SLOTS * 4 : 0);
      return {
        exact: w.subarray(at + D_EXACT, at + D_EXACT + 3),
        idHash: w[at + D_ID]!,
        signature: signed ? w.subarray(at + D_SIGNATURE, at + D_SIGNATURE + SLOTS) : undefined,
        meta: () => bytes.toString('utf8', metaAt, at * 4 + length),
      };
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
      closeSync(data.fd);
      closeSync(index.fd);
    },
  };
}
