/**
 * Buffers a thread fills and hands to another, given back for reuse once read (fingerprints,
 * escaped code: helper-thread.ts). Made in the helper's thread and freed in the main one, a new
 * buffer a chunk (hundreds of KB) left the memory allocator of the helper's thread holding more
 * and more while every slice was a duplicate (issue 20); reused, a run makes a few.
 */

/** Buffers kept for reuse at most (the chunks in flight, and one). */
export const SPARE_BUFFERS = 4;

export interface SpareBuffers<T extends { readonly length: number }> {
  /** A buffer of `length` elements or more: a spare, or a new one. */
  take(length: number): T;
  /** A buffer back for reuse (dropped when SPARE_BUFFERS are kept). */
  giveBack(buffer: T): void;
  /** Buffers made so far. */
  readonly made: number;
}

/** A pool whose new buffers are `make(n)`, with room for a quarter more than asked. */
export function spareBuffers<T extends { readonly length: number }>(
  make: (length: number) => T,
): SpareBuffers<T> {
  const spare: T[] = [];
  let made = 0;
  return {
    take(length) {
      // The smallest spare that is large enough.
      let best = -1;
      for (let i = 0; i < spare.length; i++) {
        const n = spare[i]!.length;
        if (n >= length && (best < 0 || n < spare[best]!.length)) best = i;
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
      return make(Math.ceil(length * 1.25));
    },
    giveBack(buffer) {
      if (spare.length < SPARE_BUFFERS && buffer.length > 0) spare.push(buffer);
    },
    get made() {
      return made;
    },
  };
}
