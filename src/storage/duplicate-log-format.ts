/**
 * The duplicate store's record layout (duplicate-log.ts has the files): the headers, index
 * records with their checksums, data records. Pure: each function encodes into or decodes from
 * a buffer in memory; no file is touched here.
 *
 * Numbers are 32-bit words in the machine's byte order (the header's shape word tells a file of
 * the other order: it is not read).
 */
import { BANDS, ROWS, SLOTS, mix } from '../domain/code-fingerprint.ts';

export const INDEX_MAGIC = 'slicebatch-dup-index\n';
export const DATA_MAGIC = 'slicebatch-dup-data\n';
/** The header: the magic, then the version and the shape of signatures and bands. */
export const HEADER = 32;
const VERSION = 1;
const SHAPE = (SLOTS << 16) | (BANDS << 8) | ROWS;

/** An index record, in 32-bit words: checksum, kind and flags, aux, exact (3), bands. */
const W_SUM = 0;
const W_KIND = 1;
const W_AUX = 2;
const W_EXACT = 3;
const W_BANDS = 6;
export const INDEX_WORDS = W_BANDS + BANDS;
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

/** A growable buffer with a 32-bit word view of it. */
export class Words {
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

/** A new file's header. */
export function header(magic: string): Buffer {
  const b = Buffer.alloc(HEADER);
  b.write(magic, 0, 'latin1');
  const words = new Uint32Array(b.buffer, b.byteOffset, HEADER / 4);
  words[6] = VERSION;
  words[7] = SHAPE;
  return b;
}

/** Throws unless the `n` bytes read at the start of `file` are a header of this version. */
export function checkHeader(b: Buffer, n: number, magic: string, file: string): void {
  const words = new Uint32Array(b.buffer, b.byteOffset, HEADER / 4);
  const ok =
    n === HEADER &&
    b.toString('latin1', 0, magic.length) === magic &&
    words[6] === VERSION &&
    words[7] === SHAPE;
  if (!ok) throw new BadLogFileError(`${file}: not a duplicate store file of this version`);
}

/** The checksum of the index record at word `at` of `w`. */
function checksum(w: Uint32Array, at: number): number {
  let h = 0x7a3c1d5b;
  for (let k = 1; k < INDEX_WORDS; k++) h = mix(h ^ w[at + k]!);
  return h;
}

/** Whether the index record at word `at` of `w` has the checksum it was written with. */
export function checksumHolds(w: Uint32Array, at: number): boolean {
  return checksum(w, at) === w[at + W_SUM];
}

export const newRecord = (): IndexRecord => ({
  kind: 0,
  signed: false,
  aux: 0,
  exact: new Uint32Array(3),
  bands: new Uint32Array(BANDS),
});

/** Reads the record at word `at` of `w` into `rec`. */
export function readRecord(w: Uint32Array, at: number, rec: IndexRecord): void {
  const kind = w[at + W_KIND]!;
  rec.kind = kind & 0xff;
  rec.signed = (kind & HAS_SIGNATURE) !== 0;
  rec.aux = w[at + W_AUX]! * (rec.kind === KIND_SLICE ? 8 : 1);
  for (let k = 0; k < 3; k++) rec.exact[k] = w[at + W_EXACT + k]!;
  for (let k = 0; k < BANDS; k++) rec.bands[k] = w[at + W_BANDS + k]!;
}

/** Writes, at word `at` of `w` (zeroed), the index record of a slice whose data is at `offset`. */
export function writeSliceRecord(
  w: Uint32Array,
  at: number,
  exact: readonly number[],
  bands: Uint32Array | undefined,
  offset: number,
): void {
  w[at + W_KIND] = KIND_SLICE | (bands === undefined ? 0 : HAS_SIGNATURE);
  w[at + W_AUX] = offset / 8;
  w[at + W_EXACT] = exact[0]!;
  w[at + W_EXACT + 1] = exact[1]!;
  w[at + W_EXACT + 2] = exact[2]!;
  if (bands !== undefined) w.set(bands, at + W_BANDS);
  w[at + W_SUM] = checksum(w, at);
}

/** Writes, at word `at` of `w` (zeroed), a mark of `kind` about slice `ref`. */
export function writeMarkRecord(w: Uint32Array, at: number, kind: number, ref: number): void {
  w[at + W_KIND] = kind;
  w[at + W_AUX] = ref;
  w[at + W_SUM] = checksum(w, at);
}

/** The length in bytes (unpadded) of a slice's data record. */
export function dataRecordLength(signed: boolean, metaBytes: number): number {
  return D_SIGNATURE * 4 + (signed ? SLOTS * 4 : 0) + metaBytes;
}

/**
 * Writes a slice's data record (`metaBytes`: the byte length of its `meta`) at byte `start` (a
 * multiple of 8) of `to`, padded with zeros to `padded` bytes (room `to` has).
 */
export function writeDataRecord(
  to: Words,
  start: number,
  metaBytes: number,
  padded: number,
  slice: {
    exact: readonly number[];
    idHash: number;
    signature: Uint32Array | undefined;
    meta: string;
  },
): void {
  const { exact, signature, meta } = slice;
  const w = to.w;
  const at = start / 4;
  w[at] = dataRecordLength(signature !== undefined, metaBytes);
  w[at + D_EXACT] = exact[0]!;
  w[at + D_EXACT + 1] = exact[1]!;
  w[at + D_EXACT + 2] = exact[2]!;
  w[at + D_ID] = slice.idHash;
  w[at + D_FLAGS] = signature === undefined ? 0 : HAS_SIGNATURE;
  let metaAt = (at + D_SIGNATURE) * 4;
  if (signature !== undefined) {
    w.set(signature, at + D_SIGNATURE);
    metaAt += SLOTS * 4;
  }
  to.buf.write(meta, metaAt, 'utf8');
  to.buf.fill(0, metaAt + metaBytes, start + padded);
}

/** The byte length of the data record at word `at` of `w`, if it has room for one at all. */
export function dataLengthAt(w: Uint32Array, at: number): number | undefined {
  const length = w[at]!;
  return length < D_SIGNATURE * 4 ? undefined : length;
}

/** The data record at word `at` of `from` (its length checked with dataLengthAt). */
export function decodeDataRecord(from: Words, at: number, length: number): DataRecord {
  const { w, buf } = from;
  const signed = (w[at + D_FLAGS]! & HAS_SIGNATURE) !== 0;
  const metaAt = (at + D_SIGNATURE) * 4 + (signed ? SLOTS * 4 : 0);
  return {
    exact: w.subarray(at + D_EXACT, at + D_EXACT + 3),
    idHash: w[at + D_ID]!,
    signature: signed ? w.subarray(at + D_SIGNATURE, at + D_SIGNATURE + SLOTS) : undefined,
    meta: () => buf.toString('utf8', metaAt, at * 4 + length),
  };
}
