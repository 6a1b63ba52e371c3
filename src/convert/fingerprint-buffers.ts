/**
 * The buffers the helper thread packs fingerprints into (helper-thread.ts), reused: the
 * conversion gives each back once its chunk is placed. Made in the helper's thread and freed
 * in the main one, a new buffer a chunk (hundreds of KB) left the memory allocator of the
 * helper's thread holding more and more while every slice was a duplicate (issue 20); reused,
 * a run makes a few.
 */
import {
  createWasmCodeFingerprinter,
  type WasmCodeFingerprinter,
} from '../domain/wasm-code-fingerprint.ts';

/** Buffers kept for reuse at most (the chunks in flight, and one). */
export const SPARE_BUFFERS = 4;

export interface FingerprintBuffers {
  /** A buffer of `words` words or more: a spare, or a new one. */
  take(words: number): Uint32Array;
  /** A buffer back for reuse (dropped when SPARE_BUFFERS are kept). */
  giveBack(buffer: Uint32Array): void;
  /** Buffers made so far. */
  readonly made: number;
}

export function fingerprintBuffers(): FingerprintBuffers {
  const spare: Uint32Array[] = [];
  let made = 0;
  return {
    take(words) {
      // The smallest spare that is large enough.
      let best = -1;
      for (let i = 0; i < spare.length; i++) {
        const n = spare[i]!.length;
        if (n >= words && (best < 0 || n < spare[best]!.length)) best = i;
      }
      if (best >= 0) return spare.splice(best, 1)[0]!;
      // None: a new one with room for larger chunks, in place of the smallest spare.
      if (spare.length > 0) {
        let smallest = 0;
        for (let i = 1; i < spare.length; i++) {
          if (spare[i]!.length < spare[smallest]!.length) smallest = i;
        }
        spare.splice(smallest, 1);
      }
      made++;
      return new Uint32Array(Math.ceil(words * 1.25));
    },
    giveBack(buffer) {
      if (spare.length < SPARE_BUFFERS && buffer.length > 0) spare.push(buffer);
    },
    get made() {
      return made;
    },
  };
}

let fingerprinter: WasmCodeFingerprinter | undefined;

/**
 * The fingerprints of `codes` packed in order into `out` (as packFingerprints, whose words
 * beyond a short code's exact hash and tokens are not read: a reused buffer's are left), the
 * ASCII ones in WebAssembly (the same words: wasm-code-fingerprint.ts).
 */
export function packFingerprintsInto(
  codes: readonly string[],
  hashComment: Uint8Array,
  out: Uint32Array,
): Uint32Array {
  fingerprinter ??= createWasmCodeFingerprinter();
  return fingerprinter.packInto(codes, hashComment, out);
}
