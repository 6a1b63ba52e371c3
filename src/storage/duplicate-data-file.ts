/**
 * The duplicate store's data file (`duplicates.data`, duplicate-log.ts): slices' data records
 * appended in pieces and read back by offset, and the opening of either file with its header
 * checked (a new one written). The record layout is duplicate-log-format.ts's.
 */
import { closeSync, constants, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import {
  BadLogFileError,
  DATA_MAGIC,
  HEADER,
  Words,
  checkHeader,
  dataLengthAt,
  dataRecordLength,
  decodeDataRecord,
  header,
  writeDataRecord,
  type DataRecord,
} from './duplicate-log-format.ts';
import { backgroundFlush, type StartFlush } from './background-flush.ts';

/** Data is written out in pieces of about this size. */
const DATA_PIECE = 256 * 1024;
/** Bytes written between two background flushes of a durable data file (background-flush.ts). */
export const BACKGROUND_FLUSH_BYTES = 2 * 1024 * 1024;
/** Bytes read for a data record (most are shorter; a longer one is read again whole). */
const READ_AHEAD = 1024;
/**
 * Bytes read at once when records are read in the order of the file: a conversion that meets
 * the slices of one repo folder again in another reads the records of the first folder's
 * slices one after the other, and one read then serves about a hundred of them. Records read
 * here and there (near duplicates' candidates) are read one by one, as before.
 */
export const READ_BLOCK = 64 * 1024;
/** Blocks kept, the most recently read first (their buffers reused). */
const BLOCKS_KEPT = 4;
/** Records read in order (each within READ_BLOCK after the one before) before a block is. */
const IN_ORDER_READS = 2;

/** Opens (or, unless `readOnly`, creates) a file with its header; its size. */
export function openLogFile(
  path: string,
  magic: string,
  readOnly: boolean,
): { fd: number; size: number } {
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
      const b = Buffer.alloc(HEADER);
      checkHeader(b, readSync(fd, b, 0, HEADER, 0), magic, path);
    }
    return { fd, size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

export interface DataFile {
  /** Appends a slice's data record (written once a piece is full, or at `sync`); its offset. */
  append(slice: {
    exact: readonly number[];
    idHash: number;
    signature: Uint32Array | undefined;
    meta: string;
  }): number;
  /** The data record at `offset`: valid until the next read. */
  read(offset: number): DataRecord;
  /** Writes what is appended, and syncs it when `durable`. */
  sync(): void;
  close(): void;
}

/** The data file at `path` (made when missing, unless `readOnly`). */
export function openDataFile(
  path: string,
  options: {
    readOnly: boolean;
    durable: boolean;
    /** Starts a flush of `fd` to the disk in the background (tests count them). */
    flushInBackground?: StartFlush;
  },
): DataFile {
  const data = openLogFile(path, DATA_MAGIC, options.readOnly);
  const flush = options.durable
    ? backgroundFlush(BACKGROUND_FLUSH_BYTES, options.flushInBackground)
    : undefined;
  const piece = new Words(DATA_PIECE * 2);
  let pieceLength = 0;
  /** The data offset where `piece` starts (records are 8-byte aligned). */
  let pieceAt = Math.ceil(data.size / 8) * 8;
  const scratch = new Words(4096);
  /** Blocks read whole (`length` bytes from file offset `at`), the most recently used first. */
  const blocks: { at: number; length: number; words: Words }[] = [];
  /** The offset of the last record read from the file (or found in a block). */
  let lastRead = -Infinity;
  /** Records read from the file in a row, each a little after the one before. */
  let ahead = 0;

  /** Where the record at `offset` lies whole in a block kept (moved to the front), if it does. */
  const fromBlock = (offset: number): { words: Words; at: number } | undefined => {
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i]!;
      if (offset < b.at || offset + 4 > b.at + b.length) continue;
      const at = (offset - b.at) / 4;
      if (offset + b.words.w[at]! > b.at + b.length) continue;
      for (let j = i; j > 0; j--) blocks[j] = blocks[j - 1]!;
      blocks[0] = b;
      return { words: b.words, at };
    }
    return undefined;
  };
  /** Reads READ_BLOCK bytes from `offset` into a block (the least recently used one reused). */
  const readBlock = (offset: number): void => {
    const b =
      blocks.length < BLOCKS_KEPT
        ? { at: 0, length: 0, words: new Words(READ_BLOCK) }
        : blocks.pop()!;
    b.at = offset;
    b.length = readSync(data.fd, b.words.buf, 0, READ_BLOCK, offset);
    blocks.unshift(b);
  };

  const flushPiece = (): void => {
    if (pieceLength === 0) return;
    writeSync(data.fd, piece.buf, 0, pieceLength, pieceAt);
    pieceAt += pieceLength;
    flush?.wrote(data.fd, pieceLength);
    pieceLength = 0;
  };
  /** Reads the record at `offset` of the file into `scratch`. */
  const readFromFile = (offset: number): void => {
    const n = readSync(data.fd, scratch.buf, 0, READ_AHEAD, offset);
    // Not even a length word: what `scratch` holds is the record read before.
    if (n < 4) throw new BadLogFileError(`${path}: no slice at ${offset} (the file ends)`);
    const length = scratch.w[0]!;
    if (length > n) {
      scratch.grow(length, 0);
      if (readSync(data.fd, scratch.buf, 0, length, offset) < length) {
        throw new BadLogFileError(`${path}: the slice at ${offset} is cut short`);
      }
    }
  };

  return {
    append(slice) {
      const metaBytes = Buffer.byteLength(slice.meta);
      const length = dataRecordLength(slice.signature !== undefined, metaBytes);
      const padded = Math.ceil(length / 8) * 8;
      if (pieceLength + padded > piece.buf.length) {
        flushPiece();
        piece.grow(padded, 0);
      }
      const offset = pieceAt + pieceLength;
      writeDataRecord(piece, pieceLength, metaBytes, padded, slice);
      pieceLength += padded;
      if (pieceLength >= DATA_PIECE) flushPiece();
      return offset;
    },

    read(offset) {
      let from = piece;
      let at = (offset - pieceAt) / 4;
      if (offset < pieceAt) {
        let found = fromBlock(offset);
        if (found === undefined) {
          // Records read one after the other, each not far after the one before: the file is
          // being read in order, a block at a time from here.
          ahead = offset > lastRead && offset - lastRead <= READ_BLOCK ? ahead + 1 : 0;
          if (ahead >= IN_ORDER_READS) {
            readBlock(offset);
            found = fromBlock(offset);
          }
        }
        if (found === undefined) {
          // Read alone (a record cut short by the file's end is found so).
          readFromFile(offset);
          found = { words: scratch, at: 0 };
        }
        lastRead = offset;
        ({ words: from, at } = found);
      }
      const length = dataLengthAt(from.w, at);
      if (length === undefined) throw new BadLogFileError(`${path}: no slice at ${offset}`);
      return decodeDataRecord(from, at, length);
    },

    sync() {
      flushPiece();
      if (options.durable) fsyncSync(data.fd);
      flush?.synced();
    },

    close() {
      closeSync(data.fd);
    },
  };
}
