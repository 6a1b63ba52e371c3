/**
 * The last lookup in two key tables (key-table.ts) of the duplicate store's kept slices
 * (duplicate-kept-tables.ts): the keys looked up, the free slots where each would be added,
 * and the tables' versions then. When the slice looked up is kept next, its keys are added at
 * those slots (`addAt`) instead of probed for again: a lookup and a keep cost one random access
 * a key instead of two. Valid only while the table is unchanged (its version) and for the same
 * keys. Pure.
 */

export interface LastLookup {
  /** The free slot of each band key looked up last (-1: no room under it). */
  readonly bandSlots: Int32Array;
  readonly exactSlot: number;
  exactFound(version: number, key: number, slot: number): void;
  bandsFound(version: number, keys: Uint32Array): void;
  /** Whether `exactSlot` is that of `key`, looked up at `version` of its table. */
  exactValid(version: number, key: number): boolean;
  /** Whether `bandSlots` are those of `keys`, looked up at `version` of their table. */
  bandsValid(version: number, keys: Uint32Array): boolean;
}

export function lastLookup(bands: number): LastLookup {
  const bandSlots = new Int32Array(bands);
  const bandKeys = new Uint32Array(bands);
  let bandVersion = -1;
  let exactKey = 0;
  let exactSlot = -1;
  let exactVersion = -1;
  return {
    bandSlots,
    get exactSlot() {
      return exactSlot;
    },
    exactFound(version, key, slot) {
      exactVersion = version;
      exactKey = key;
      exactSlot = slot;
    },
    bandsFound(version, keys) {
      bandVersion = version;
      bandKeys.set(keys);
    },
    exactValid: (version, key) => version === exactVersion && key === exactKey,
    bandsValid(version, keys) {
      if (version !== bandVersion) return false;
      for (let b = 0; b < bands; b++) if (keys[b] !== bandKeys[b]) return false;
      return true;
    },
  };
}
