/**
 * The duplicate store's prefilter (duplicate-store.ts): a Bloom filter (domain/bloom-filter.ts)
 * of the exact hashes and LSH band keys of every slice kept, so that a slice whose keys were
 * never kept (most slices) is looked up without one SQLite query. A key it has may still be
 * absent (under 1 % of keys): the query then finds nothing, as it would have anyway.
 *
 * It is loaded from the store when first asked (a read of every kept slice's hash and
 * signature: its band keys are worked out again), made for twice the slices kept (at least
 * MIN_SLICES), and made again from the store, twice as large, when more than that are added.
 * Its memory is 10 bits per key, 33 keys per slice: about 41 bytes per slice of its capacity.
 * A slice dropped from the store stays in it (a false positive, never a missed duplicate).
 */
import { BANDS, bandKeys, type CodeFingerprint } from '../domain/code-fingerprint.ts';
import { bloomFilter, type BloomFilter } from '../domain/bloom-filter.ts';
import type { Database } from './sqlite.ts';
import { exactKey, signatureOf } from './duplicate-store-rows.ts';

/** The smallest capacity, in slices (about 670 KB of memory). */
export const MIN_SLICES = 16_384;
const KEYS_PER_SLICE = BANDS + 1;

export interface Prefilter {
  /** False: no slice kept has this exact hash (from exactKey). */
  mayHaveExact(exact: Uint8Array): boolean;
  /** False: no slice kept has this band key. */
  mayHaveBand(key: number): boolean;
  /** A slice was kept. */
  add(fp: CodeFingerprint): void;
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function addExact(bloom: BloomFilter, exact: Uint8Array): void {
  bloom.add(exactH1(exact), exactH2(exact));
}
const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
// The exact hash is already a hash: two of its words are the filter's two hashes.
const exactH1 = (b: Uint8Array): number => view(b).getInt32(0);
const exactH2 = (b: Uint8Array): number => view(b).getInt32(4) ^ 0x5bd1e995;
// A band key is its band number and a 32-bit hash of its slots.
const bandH1 = (key: number): number => (key % 0x1_0000_0000) | 0;
const bandH2 = (key: number): number => mix(Math.floor(key / 0x1_0000_0000) ^ bandH1(key));

function addBands(bloom: BloomFilter, sig: Uint32Array): void {
  for (const key of bandKeys(sig)) bloom.add(bandH1(key), bandH2(key));
}

/** A prefilter of the slices kept in `schemas` of `db` (read now, and again when it grows). */
export function loadPrefilter(db: Database, schemas: readonly string[]): Prefilter {
  const count = (): number =>
    schemas.reduce(
      (n, s) =>
        n + Number((db.prepare(`SELECT COUNT(*) AS n FROM ${s}.kept`).get() as { n: number }).n),
      0,
    );
  const build = (slices: number): BloomFilter => {
    const bloom = bloomFilter(Math.max(MIN_SLICES, 2 * slices) * KEYS_PER_SLICE);
    for (const s of schemas) {
      const rows = db.prepare(`SELECT exact, signature FROM ${s}.kept`).iterate() as Iterable<{
        exact: Uint8Array;
        signature: Uint8Array | null;
      }>;
      for (const row of rows) {
        addExact(bloom, row.exact);
        if (row.signature !== null) addBands(bloom, signatureOf(row.signature));
      }
    }
    return bloom;
  };
  let bloom = build(count());
  return {
    mayHaveExact: (exact) => bloom.has(exactH1(exact), exactH2(exact)),
    mayHaveBand: (key) => bloom.has(bandH1(key), bandH2(key)),
    add(fp) {
      if (bloom.size + KEYS_PER_SLICE > bloom.capacity) {
        bloom = build(count()); // the slice is in the store already: it is read with the rest
        return;
      }
      addExact(bloom, exactKey(fp));
      if (fp.signature !== undefined) addBands(bloom, fp.signature);
    },
  };
}
