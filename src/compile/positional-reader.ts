/**
 * Reading lines back by byte offset (pread), from a few files at a time.
 *
 * Result lines are read in slice order, which is nearly the order of the results files (the
 * requests were written in slice order), so each open file keeps one block read ahead and
 * serves the next lines from it: one system call per block, not per line. Reads are
 * synchronous (a block at a time, from the page cache mostly); callers yield between batches.
 * At most `maxOpen` files are open, each with one block: memory is constant. With a block of 0
 * bytes each read is exact (random access, where reading ahead would be wasted).
 */
import { closeSync, openSync, readSync } from 'node:fs';

const BLOCK_BYTES = 256 * 1024;

interface OpenFile {
  readonly fd: number;
  block: Buffer;
  /** File offset of block[0] and the number of valid bytes. */
  start: number;
  filled: number;
}

export class PositionalReader {
  private readonly open = new Map<string, OpenFile>();

  private readonly maxOpen: number;
  private readonly blockBytes: number;

  constructor(maxOpen = 8, blockBytes = BLOCK_BYTES) {
    this.maxOpen = maxOpen;
    this.blockBytes = blockBytes;
  }

  private file(path: string): OpenFile {
    let f = this.open.get(path);
    if (f !== undefined) {
      // Most recently used last.
      this.open.delete(path);
      this.open.set(path, f);
      return f;
    }
    if (this.open.size >= this.maxOpen) {
      const [oldest, file] = this.open.entries().next().value!;
      closeSync(file.fd);
      this.open.delete(oldest);
    }
    f = {
      fd: openSync(path, 'r'),
      block: Buffer.allocUnsafe(this.blockBytes),
      start: 0,
      filled: 0,
    };
    this.open.set(path, f);
    return f;
  }

  /**
   * The bytes `[offset, offset + length)` of `path`: a view valid until the next read. Throws
   * when the file is shorter.
   */
  read(path: string, offset: number, length: number): Buffer {
    const f = this.file(path);
    if (offset >= f.start && offset + length <= f.start + f.filled) {
      return f.block.subarray(offset - f.start, offset - f.start + length);
    }
    const want = Math.max(length, this.blockBytes);
    if (f.block.length < want) f.block = Buffer.allocUnsafe(want);
    let filled = 0;
    while (filled < want) {
      const n = readSync(f.fd, f.block, filled, want - filled, offset + filled);
      if (n === 0) break;
      filled += n;
    }
    f.start = offset;
    f.filled = filled;
    if (filled < length) {
      throw new Error(`${path}: ${length} bytes at offset ${offset} are past its end`);
    }
    return f.block.subarray(0, length);
  }

  close(): void {
    for (const f of this.open.values()) closeSync(f.fd);
    this.open.clear();
  }
}
