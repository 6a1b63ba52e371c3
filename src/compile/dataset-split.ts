/**
 * The train/validation split, stable as the dataset grows. Pure.
 *
 * A record's side depends only on its slice key (repo folder, slice id) and the seed: the
 * SHA-256 of the three gives a number in [0, 1), compared with train_ratio. Adding slices,
 * removing others or compiling again never moves a record to the other side (raising
 * train_ratio only moves records from validation to training). The order of each split file is
 * seeded pseudo-random as well: ascending by another part of the same digest (then by arrival,
 * should two collide), so it is not the order of the slices and does not change either when
 * records are added around it.
 *
 * `SplitRecords` keeps, per record, only what is needed to write the split files at the end
 * by reading each record back from its processed file: its order key, side and file (4 + 4
 * bytes), offset (8) and length (4): 20 bytes per record, in typed arrays of 65,536 records
 * (growing copies nothing; at most one segment is not full).
 */
import { createHash } from 'node:crypto';

export const SPLIT_SIDES = { train: 'train', val: 'val' } as const;
export type SplitSide = (typeof SPLIT_SIDES)[keyof typeof SPLIT_SIDES];

export interface SplitKey {
  readonly side: SplitSide;
  /** The record's place in its split file (ascending). */
  readonly order: number;
}

const TWO_48 = 2 ** 48;

export function splitKey(
  repo: string,
  sliceId: string,
  seed: number,
  trainRatio: number,
): SplitKey {
  const digest = createHash('sha256').update(`${seed}\u0000${repo}\u0000${sliceId}`).digest();
  const unit = digest.readUIntBE(0, 6) / TWO_48;
  return { side: unit < trainRatio ? 'train' : 'val', order: digest.readUInt32BE(6) };
}

/** Most processed files the records can be in (the side takes the top bit of the word). */
const FILE_MASK = 0x7fff_ffff;
const VAL = 0x8000_0000;
/** Records are kept in fixed segments: growing never copies, the slack is one segment. */
const SEGMENT_BITS = 16;
const SEGMENT = 1 << SEGMENT_BITS;
const IN_SEGMENT = SEGMENT - 1;

interface Segment {
  readonly order: Uint32Array;
  readonly fileSide: Uint32Array;
  readonly offset: Float64Array;
  readonly length: Uint32Array;
}

export class SplitRecords {
  /** Bytes held per record (plus 4 per record of one side while it is ordered). */
  static readonly BYTES_PER_RECORD = 20;

  private readonly segments: Segment[] = [];
  private n = 0;
  private readonly counts = { train: 0, val: 0 };

  get size(): number {
    return this.n;
  }

  count(side: SplitSide): number {
    return this.counts[side];
  }

  add(key: SplitKey, file: number, offset: number, length: number): void {
    if (file < 0 || file > FILE_MASK) throw new RangeError(`file number ${file} out of range`);
    const i = this.n & IN_SEGMENT;
    if (i === 0) {
      this.segments.push({
        order: new Uint32Array(SEGMENT),
        fileSide: new Uint32Array(SEGMENT),
        offset: new Float64Array(SEGMENT),
        length: new Uint32Array(SEGMENT),
      });
    }
    const seg = this.segments[this.segments.length - 1]!;
    seg.order[i] = key.order;
    seg.fileSide[i] = (file | (key.side === 'val' ? VAL : 0)) >>> 0;
    seg.offset[i] = offset;
    seg.length[i] = length;
    this.n++;
    this.counts[key.side]++;
  }

  /**
   * The records of one side in their split-file order: `index(k)` is the k-th (an index into
   * this set). Sorted natively as 64-bit keys (order, index): 8 bytes per record of the side.
   */
  ordered(side: SplitSide): { readonly length: number; index(k: number): number } {
    const val = side === 'val';
    const keys = new BigUint64Array(this.counts[side]);
    let k = 0;
    for (let i = 0; i < this.n; i++) {
      const seg = this.segments[i >>> SEGMENT_BITS]!;
      const j = i & IN_SEGMENT;
      if (((seg.fileSide[j]! & VAL) !== 0) === val) {
        keys[k++] = (BigInt(seg.order[j]!) << 32n) | BigInt(i);
      }
    }
    keys.sort();
    // The low word of each key (little-endian, as typed arrays are on every platform Node runs).
    const words = new Uint32Array(keys.buffer);
    const lowFirst = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    return {
      length: keys.length,
      index: (n: number): number => words[2 * n + (lowFirst ? 0 : 1)]!,
    };
  }

  at(i: number): { file: number; offset: number; length: number } {
    const seg = this.segments[i >>> SEGMENT_BITS]!;
    const j = i & IN_SEGMENT;
    return { file: seg.fileSide[j]! & FILE_MASK, offset: seg.offset[j]!, length: seg.length[j]! };
  }
}
