/**
 * A multimap from 32-bit keys (hashes) to slice numbers, in two typed arrays off the JS heap:
 * open addressing with linear probing, SLOT_BYTES a slot (a 32-bit slice number and a 16-bit
 * check of the key). Only the check is kept of a key, so a lookup returns every slice under the
 * key and, rarely, a slice under another key with the same check near it (about one probe in
 * 65,535): what it returns are candidates, which the duplicate store verifies.
 *
 * `full` says when it holds MAX_LOAD of its slots; the owner then calls `reset` with a larger
 * size and adds every entry again from the keys it keeps elsewhere (the table cannot: it does
 * not have them). The arrays are resizable buffers, grown in place: no second copy is held
 * while the entries are added again, and the pages are taken as they are used.
 */

/** The share of slots in use before the table is full. */
export const MAX_LOAD = 0.9;
/** Bytes per slot. */
export const SLOT_BYTES = 6;

export interface KeyTable {
  readonly slots: number;
  /** Empties the table, with `slots` slots from now on (not fewer than before). */
  reset(slots: number): void;
  readonly entries: number;
  /** MAX_LOAD of the slots or more are in use. */
  readonly full: boolean;
  /** Adds `ref` under `key`, unless `perKey` refs may be under it already (then false). */
  add(key: number, ref: number): boolean;
  /** Calls `found` with each ref that may be under `key`. */
  find(key: number, found: (ref: number) => void): void;
  /**
   * `find` for each of `keys` in order, their home slots read first, all of them, before any
   * is probed: the reads do not wait on one another, so their cache misses overlap instead of
   * coming one after the other (a slice's band keys land far apart in a table of millions).
   */
  findEach(keys: Uint32Array, found: (ref: number) => void): void;
  /** `add(keys[k], ref)` for each key, their home slots read first (as `findEach`). */
  addEach(keys: Uint32Array, ref: number): void;
}

/** The slots for `entries` entries at two thirds of MAX_LOAD (at least 1,024). */
export const slotsFor = (entries: number): number =>
  Math.max(1024, Math.ceil((entries * 1.5) / MAX_LOAD));

/** The largest size the arrays may grow to (address space reserved, not memory). */
const MAX_SLOTS = 2 ** 29;

/** A typed array on a buffer that can grow in place up to `max` elements. */
function growable<T extends Uint16Array | Uint32Array>(
  make: (buffer: ArrayBuffer) => T,
  bytesPer: number,
  length: number,
): T {
  const buffer = new ArrayBuffer(length * bytesPer, { maxByteLength: MAX_SLOTS * bytesPer });
  return make(buffer);
}

export function keyTable(
  initialSlots: number,
  perKey: number,
  /** How many values a check takes (tests set fewer, to force false candidates). */
  checkValues = 65_535,
): KeyTable {
  let slots = Math.min(initialSlots, MAX_SLOTS);
  // Length-tracking views: they follow their buffer as it grows.
  const checks = growable((b) => new Uint16Array(b), 2, slots);
  const refs = growable((b) => new Uint32Array(b), 4, slots);
  let limit = Math.floor(slots * MAX_LOAD);
  // The home slot from the high bits of a multiplicative hash; the check from the low bits of
  // the key (never 0, which marks a free slot).
  const homeOf = (key: number): number =>
    Math.floor(((Math.imul(key, 0x9e3779b1) >>> 0) * slots) / 0x1_0000_0000);
  const checkOf = (key: number): number => ((key >>> 0) % checkValues) + 1;
  let entries = 0;
  // The home slots of a findEach / addEach, and a sink for their first reads (so that they are
  // not left out as unused).
  let homes = new Int32Array(32);
  let _touched = 0;
  const touchHomes = (keys: Uint32Array, withRefs: boolean): void => {
    if (homes.length < keys.length) homes = new Int32Array(keys.length);
    let t = 0;
    for (let k = 0; k < keys.length; k++) {
      const h = homeOf(keys[k]!);
      homes[k] = h;
      t = (t + checks[h]!) | 0;
      if (withRefs) t = (t + refs[h]!) | 0;
    }
    _touched = t;
  };
  const addAt = (home: number, key: number, ref: number): boolean => {
    if (entries >= slots - 1) throw new RangeError('the key table is full');
    const check = checkOf(key);
    let i = home;
    let under = 0;
    while (checks[i] !== 0) {
      if (checks[i] === check && ++under >= perKey) return false;
      if (++i === slots) i = 0;
    }
    checks[i] = check;
    refs[i] = ref;
    entries++;
    return true;
  };
  const findAt = (home: number, key: number, found: (ref: number) => void): void => {
    const check = checkOf(key);
    let i = home;
    while (checks[i] !== 0) {
      if (checks[i] === check) found(refs[i]!);
      if (++i === slots) i = 0;
    }
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
      checks.fill(0);
      checks.buffer.resize(next * 2);
      refs.buffer.resize(next * 4);
      slots = next;
      limit = Math.floor(slots * MAX_LOAD);
      entries = 0;
    },
    add: (key, ref) => addAt(homeOf(key), key, ref),
    find: (key, found) => findAt(homeOf(key), key, found),
    findEach(keys, found) {
      touchHomes(keys, false);
      for (let k = 0; k < keys.length; k++) findAt(homes[k]!, keys[k]!, found);
    },
    addEach(keys, ref) {
      touchHomes(keys, true);
      for (let k = 0; k < keys.length; k++) addAt(homes[k]!, keys[k]!, ref);
    },
  };
}
