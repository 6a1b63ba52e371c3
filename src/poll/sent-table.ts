/**
 * The table behind sent-requests.ts: per request index two 32-bit hashes of its custom_id, its
 * line's byte offset and length, and the index of its reviewed-slice file (the few distinct
 * names kept once), in typed arrays grown by doubling; an open-addressing slot table (at most
 * half full) maps the hashes to an index. A lookup whose hashes match is verified by reading
 * the custom_id back from the line at its offset, so two ids with the same hashes are never
 * taken for each other.
 */
import { readSync } from 'node:fs';
import { customIdOfLine } from '../domain/batch-input-ids.ts';
import { hashA, hashB } from '../storage/text-fingerprint.ts';

/** Bytes read back to verify a custom_id (the whole line when the id is not within them). */
const PEEK_BYTES = 512;

function grown<T extends Uint32Array | Float64Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export interface RequestLine {
  readonly id: string;
  readonly source: string | undefined;
  readonly offset: number;
  readonly bytes: number;
}

export class SentTable {
  size = 0;
  private capacity = 1024;
  private hashesA = new Uint32Array(this.capacity);
  private hashesB = new Uint32Array(this.capacity);
  private offsets = new Float64Array(this.capacity);
  private lengths = new Uint32Array(this.capacity);
  /** 0: no source; n: sources[n - 1]. */
  private sources = new Uint32Array(this.capacity);
  /** index + 1 per slot, 0 for an empty slot; at most half full. */
  private slots = new Uint32Array(this.capacity * 2);
  private readonly sourceNames: string[] = [];
  private readonly sourceIndex = new Map<string, number>();
  /** The batch input file, open for reading ids back. */
  private readonly fd: number;

  constructor(fd: number) {
    this.fd = fd;
  }

  /** A request line, in the file's order; the same custom_id again is not a request. */
  add(r: RequestLine): void {
    const a = hashA(r.id);
    const b = hashB(r.id);
    // The same custom_id twice in one file: the first line is the request.
    if (this.find(r.id, a, b) !== -1) return;
    if (this.size === this.capacity) this.grow();
    const i = this.size;
    this.hashesA[i] = a;
    this.hashesB[i] = b;
    this.offsets[i] = r.offset;
    this.lengths[i] = r.bytes;
    if (r.source !== undefined) this.sources[i] = this.sourceNumber(r.source);
    this.place(i);
    this.size++;
  }

  /** The request's index, or -1 when it was not sent. */
  indexOf(id: string): number {
    return this.find(id, hashA(id), hashB(id));
  }

  sourceOf(index: number): string | undefined {
    const n = this.sources[index] ?? 0;
    return n === 0 ? undefined : this.sourceNames[n - 1];
  }

  lineOf(index: number): { readonly offset: number; readonly length: number } {
    return { offset: this.offsets[index]!, length: this.lengths[index]! };
  }

  /** The custom_id of the request line at `index`, read back from the file. */
  private idAt(index: number): string | undefined {
    const length = this.lengths[index]!;
    const want = Math.min(length, PEEK_BYTES);
    const buf = Buffer.allocUnsafe(want);
    const n = readSync(this.fd, buf, 0, want, this.offsets[index]!);
    const id = customIdOfLine(buf.toString('utf8', 0, n));
    if (id !== undefined || want === length) return id;
    const whole = Buffer.allocUnsafe(length);
    return customIdOfLine(
      whole.toString('utf8', 0, readSync(this.fd, whole, 0, length, this.offsets[index]!)),
    );
  }

  /** The index of `id`, verified against the file, or -1. */
  private find(id: string, a: number, b: number): number {
    const { slots } = this;
    const mask = slots.length - 1;
    for (let s = a & mask; slots[s] !== 0; s = (s + 1) & mask) {
      const i = slots[s]! - 1;
      if (this.hashesA[i] === a && this.hashesB[i] === b && this.idAt(i) === id) return i;
    }
    return -1;
  }

  private place(index: number): void {
    const { slots } = this;
    const mask = slots.length - 1;
    let s = this.hashesA[index]! & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = index + 1;
  }

  private grow(): void {
    this.capacity *= 2;
    this.hashesA = grown(this.hashesA, this.capacity);
    this.hashesB = grown(this.hashesB, this.capacity);
    this.offsets = grown(this.offsets, this.capacity);
    this.lengths = grown(this.lengths, this.capacity);
    this.sources = grown(this.sources, this.capacity);
    this.slots = new Uint32Array(this.capacity * 2);
    for (let i = 0; i < this.size; i++) this.place(i);
  }

  private sourceNumber(source: string): number {
    let n = this.sourceIndex.get(source);
    if (n === undefined) {
      this.sourceNames.push(source);
      n = this.sourceNames.length;
      this.sourceIndex.set(source, n);
    }
    return n;
  }
}
