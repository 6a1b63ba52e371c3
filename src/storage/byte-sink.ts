/**
 * A growable byte buffer that strings are encoded into (UTF-8) and bytes copied into, for
 * building large outputs without intermediate strings.
 */

/** Most UTF-8 bytes one UTF-16 code unit can take. */
const MAX_UTF8_PER_UNIT = 3;

export class ByteSink {
  private buf: Buffer;
  private used = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.used;
  }

  /** The bytes written so far (a view, valid until the next write). */
  get bytes(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  private ensure(extra: number): void {
    const need = this.used + extra;
    if (need <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }

  /** Empties the sink, keeping its memory for the next use. */
  reset(): void {
    this.used = 0;
  }

  writeString(text: string): void {
    this.ensure(text.length * MAX_UTF8_PER_UNIT);
    this.used += this.buf.write(text, this.used, 'utf8');
  }

  writeBytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }
}
