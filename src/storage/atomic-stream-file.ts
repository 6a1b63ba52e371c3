/**
 * A large output file written as a stream and published atomically: appended to a hidden
 * temporary file beside its final name (texts encoded straight into reused 1 MB chunks),
 * fsynced and closed by `seal` (it can then be read back under `tempPath`), and renamed to
 * its final name by `publish`. A crash leaves at most a temporary file, never half a file
 * under the final name. Appending is synchronous and returns the offset and size of what was
 * appended; `flush` (awaited by the caller between batches, or once `pendingBytes` passes a few
 * MB) writes the full chunks, which are then reused: writing makes no garbage buffers.
 */
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, tempPathFor } from './atomic-file.ts';

const CHUNK_BYTES = 1024 * 1024;
/** Written chunks kept for reuse: enough for what callers let pile up between two flushes. */
const MAX_SPARE = 8;
/** Most UTF-8 bytes per UTF-16 code unit. */
const MAX_UTF8_PER_UNIT = 3;

export interface Appended {
  readonly offset: number;
  readonly bytes: number;
}

export class AtomicStreamFile {
  /** Bytes appended so far: the offset of the next append. */
  size = 0;
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  private readonly full: { chunk: Buffer; used: number }[] = [];
  private fullBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly spare: Buffer[] = [];
  private state: 'open' | 'sealing' | 'sealed' | 'published' | 'aborted' = 'open';
  private sealing: Promise<void> | undefined;
  private closed = false;

  readonly path: string;
  readonly tempPath: string;
  private readonly handle: FileHandle;

  private constructor(path: string, tempPath: string, handle: FileHandle) {
    this.path = path;
    this.tempPath = tempPath;
    this.handle = handle;
  }

  static async create(path: string): Promise<AtomicStreamFile> {
    await mkdir(dirname(path), { recursive: true });
    const tempPath = tempPathFor(path);
    return new AtomicStreamFile(path, tempPath, await open(tempPath, 'wx'));
  }

  private room(bytes: number): void {
    if (this.used + bytes <= this.chunk.length) return;
    if (this.used > 0) {
      this.full.push({ chunk: this.chunk, used: this.used });
      this.fullBytes += this.used;
    }
    this.chunk =
      bytes <= CHUNK_BYTES
        ? (this.spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES))
        : Buffer.allocUnsafe(bytes);
    this.used = 0;
  }

  appendText(text: string): Appended {
    this.room(text.length * MAX_UTF8_PER_UNIT);
    const bytes = this.chunk.write(text, this.used, 'utf8');
    this.used += bytes;
    const offset = this.size;
    this.size += bytes;
    return { offset, bytes };
  }

  appendBytes(data: Uint8Array): Appended {
    this.room(data.length);
    this.chunk.set(data, this.used);
    this.used += data.length;
    const offset = this.size;
    this.size += data.length;
    return { offset, bytes: data.length };
  }

  /** Bytes appended and not written yet. */
  get pendingBytes(): number {
    return this.fullBytes + this.used;
  }

  /**
   * Starts writing the chunks that are full (and the current one too with `all`), once the
   * write started by the previous call is done: one write is in flight while the caller goes
   * on appending. A failed write is thrown by the next `flush`, `written` or `seal`.
   */
  async flush(all = false): Promise<void> {
    if (all && this.used > 0) {
      this.full.push({ chunk: this.chunk, used: this.used });
      this.fullBytes += this.used;
      this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
      this.used = 0;
    }
    await this.writing;
    if (this.full.length === 0) return;
    const pending = this.full.splice(0);
    this.fullBytes = 0;
    this.writing = this.write(pending);
    // Awaited by the next call; marked handled so that an error waits for it.
    this.writing.catch(() => undefined);
  }

  /** Everything appended so far is written (not fsynced): it can be read back. */
  async written(): Promise<void> {
    await this.flush(true);
    await this.writing;
  }

  private async write(pending: readonly { chunk: Buffer; used: number }[]): Promise<void> {
    const views = pending.map((p) => p.chunk.subarray(0, p.used));
    let { bytesWritten } = await this.handle.writev(views);
    // A short write (rare on regular files): write the rest.
    for (const v of views) {
      if (bytesWritten >= v.length) {
        bytesWritten -= v.length;
        continue;
      }
      let rest = v.subarray(bytesWritten);
      bytesWritten = 0;
      while (rest.length > 0) rest = rest.subarray((await this.handle.write(rest)).bytesWritten);
    }
    for (const p of pending) {
      if (p.chunk.length === CHUNK_BYTES && this.spare.length < MAX_SPARE) this.spare.push(p.chunk);
    }
  }

  /** Everything written, fsynced and closed; readable at `tempPath`. */
  seal(): Promise<void> {
    if (this.state !== 'open') throw new Error(`${this.path}: already ${this.state}`);
    this.state = 'sealing';
    this.sealing = (async () => {
      await this.written();
      await this.handle.sync();
      await this.close();
      this.state = 'sealed';
    })();
    return this.sealing;
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  /** Gives the sealed file its final name (replacing an older file of that name). */
  async publish(): Promise<void> {
    if (this.state !== 'sealed') throw new Error(`${this.path}: not sealed (${this.state})`);
    await rename(this.tempPath, this.path);
    await fsyncDir(dirname(this.path));
    this.state = 'published';
  }

  /** Removes the temporary file (nothing when already published). */
  async abort(): Promise<void> {
    if (this.state === 'published' || this.state === 'aborted') return;
    await this.sealing?.catch(() => undefined);
    await this.writing.catch(() => undefined);
    await this.close().catch(() => undefined);
    this.state = 'aborted';
    await unlink(this.tempPath).catch(() => undefined);
  }
}
