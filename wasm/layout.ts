/**
 * Where the fixed regions of the chunk counter's memory lie (chunk-counter.ts lays out the rest
 * when it starts), shared by its files.
 */

/** Longest piece merged whole (src/domain/byte-pair-count.ts LONG_CHUNK). */
export const LONG_CHUNK: u32 = 256;

/** The class of each byte (pre-split.ts). */
export const CLASSES: usize = 65536;
/** The tokens of each two-byte ASCII chunk at (b0 << 7) | b1, filled by JavaScript. */
export const PAIRS: usize = CLASSES + 256;
/** The merge's scratch: LONG_CHUNK + 1 part starts, then as many pair ranks. */
export const STARTS: usize = PAIRS + 16384;
export const PAIR_RANKS: usize = STARTS + ((<usize>LONG_CHUNK + 1) << 2);
/** Each text's tokens, after `run`. */
export const COUNTS: usize = PAIR_RANKS + ((<usize>LONG_CHUNK + 1) << 2);
