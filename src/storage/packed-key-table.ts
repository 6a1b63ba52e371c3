/**
 * The key table of key-table.ts (the same KeyTable: open addressing, linear probing, the same
 * home slots) with each slot in one 32-bit word: an 8-bit check of the key in the high byte
 * and a 24-bit slice number below it. A probe reads one array, so adding a key (which writes
 * the slice number where the probe ends) touches one cache line where the two arrays of
 * key-table.ts touch two, and a slot takes 4 bytes instead of 6. The price: a check of 8 bits
 * lets about one probed slot in 255 of another key through as a candidate (instead of one in
 * 65,535), and at most MAX_PACKED_REF + 1 slices. For the band table of the duplicate store,
 * whose candidates must share bands and are verified against their signatures.
 */
import { MAX_LOAD, type KeyTable } from './key-table.ts';

export interface PackedKeyTable extends KeyTable {
  /**
   * `addEach(keys, ref)` for the keys the last `findEach` looked up, nothing added since: each
   * goes where that lookup's probe ended (the probe of an add walks the same slots), so the
   * slots are not walked again.
   */
  addFound(keys: Uint32Array, ref: number): void;
}

/** The largest slice number a slot holds. */
export const MAX_PACKED_REF = 0xff_ffff;
/** How many values a check takes at most (1 to 255; 0 marks a free slot). */
export const PACKED_CHECK_VALUES = 255;

/** The largest size the array may grow to (address space reserved, not memory). */
const MAX_SLOTS = 2 ** 29;

export function packedKeyTable(
  initialSlots: number,
  perKey: number,
  /** How many values a check takes (tests set fewer, to force false candidates). */
  checkValues = PACKED_CHECK_VALUES,
): PackedKeyTable {
  if (checkValues < 1 || checkValues > PACKED_CHECK_VALUES) {
    throw new RangeError(`a packed key table's check takes 1 to 255 values, not ${checkValues}`);
  }
  let slots = Math.min(initialSlots, MAX_SLOTS);
  // A length-tracking view: it follows its buffer as it grows in place.
  const words = new Uint32Array(new ArrayBuffer(slots * 4, { maxByteLength: MAX_SLOTS * 4 }));
  let limit = Math.floor(slots * MAX_LOAD);
  // As key-table.ts: the home slot from the high bits of a multiplicative hash, the check
  // from the low bits of the key, here in the word's high byte (never 0: a free slot is 0).
  const homeOf = (key: number): number =>
    Math.floor(((Math.imul(key, 0x9e3779b1) >>> 0) * slots) / 0x1_0000_0000);
  const checkOf = (key: number): number => ((key >>> 0) % checkValues) + 1;
  let entries = 0;
  let homes = new Int32Array(32);
  let _touched = 0;
  const touchHomes = (keys: Uint32Array): void => {
    if (homes.length < keys.length) homes = new Int32Array(keys.length);
    let t = 0;
    for (let k = 0; k < keys.length; k++) {
      const h = homeOf(keys[k]!);
      homes[k] = h;
      t = (t + words[h]!) | 0;
    }
    _touched = t;
  };
  const addAt = (home: number, key: number, ref: number): boolean => {
    if (entries >= slots - 1) throw new RangeError('the key table is full');
    if (ref > MAX_PACKED_REF || ref < 0) {
      throw new RangeError(`a packed key table holds slice numbers up to ${MAX_PACKED_REF}`);
    }
    const check = checkOf(key);
    let i = home;
    let under = 0;
    for (let w = words[i]!; w !== 0; w = words[i]!) {
      if (w >>> 24 === check && ++under >= perKey) return false;
      if (++i === slots) i = 0;
    }
    words[i] = ((check << 24) | ref) >>> 0;
    entries++;
    return true;
  };
  /**
   * For each key of the last findEach: the free slot where its probe ended, or -1 when
   * `perKey` slots with its check came before (an add would not add it).
   */
  let ends = new Int32Array(32);
  /** Calls `found` with each ref that may be under `key`; the free slot after them (or -1). */
  const findAt = (home: number, key: number, found: (ref: number) => void): number => {
    const check = checkOf(key);
    let i = home;
    let under = 0;
    for (let w = words[i]!; w !== 0; w = words[i]!) {
      if (w >>> 24 === check) {
        found(w & MAX_PACKED_REF);
        under++;
      }
      if (++i === slots) i = 0;
    }
    return under >= perKey ? -1 : i;
  };
  return {
    get slots() {
      return slots;
    },
    get entries() {
      return entries;
    },
    get full() {
      return entries >= limit;
    },
    reset(more) {
      const next = Math.min(Math.max(more, slots), MAX_SLOTS);
      words.fill(0);
      words.buffer.resize(next * 4);
      slots = next;
      limit = Math.floor(slots * MAX_LOAD);
      entries = 0;
    },
    add: (key, ref) => addAt(homeOf(key), key, ref),
    find: (key, found) => void findAt(homeOf(key), key, found),
    findEach(keys, found) {
      touchHomes(keys);
      if (ends.length < keys.length) ends = new Int32Array(keys.length);
      for (let k = 0; k < keys.length; k++) ends[k] = findAt(homes[k]!, keys[k]!, found);
    },
    addFound(keys, ref) {
      for (let k = 0; k < keys.length; k++) {
        const end = ends[k]!;
        if (end < 0) continue;
        // Taken by a key of the same slice whose probe ended there too: probed again.
        if (words[end] !== 0 || entries >= slots - 1 || ref > MAX_PACKED_REF || ref < 0) {
          addAt(homes[k]!, keys[k]!, ref);
          continue;
        }
        words[end] = ((checkOf(keys[k]!) << 24) | ref) >>> 0;
        entries++;
      }
    },
    addEach(keys, ref) {
      touchHomes(keys);
      for (let k = 0; k < keys.length; k++) addAt(homes[k]!, keys[k]!, ref);
    },
  };
}
