import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyTable } from '../../src/storage/key-table.ts';

/** Every ref `find` gives under each of `keys`, in probe order. */
function refsUnder(t: ReturnType<typeof keyTable>, keys: readonly number[]): number[][] {
  return keys.map((k) => {
    const out: number[] = [];
    t.find(k, (r) => out.push(r));
    return out;
  });
}

// A small pseudo-random sequence (the same on every run).
function keysOf(n: number, seed: number, distinct: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    out.push((x >>> 8) % distinct);
  }
  return out;
}

for (const checkValues of [65_535, 7]) {
  test(`a table filled by find then addAt (several keys of a slice at a time) is the same as one filled by add, to its load limit (${checkValues} check values)`, () => {
    const slots = 4096;
    const perKey = 3;
    const byAdd = keyTable(slots, perKey, checkValues);
    const byAddAt = keyTable(slots, perKey, checkValues);
    // Keys repeat (up to perKey and beyond), and a slice's keys often probe into the same run.
    const keys = keysOf(8000, 42, 2500);
    const group = 5;
    let ref = 0;
    let addedAt = 0;
    let refused = 0;
    for (let i = 0; i + group <= keys.length && !byAdd.full; i += group, ref++) {
      const mine = keys.slice(i, i + group);
      const free = mine.map((k) => byAddAt.find(k, () => undefined));
      const version = byAddAt.version;
      for (let j = 0; j < group; j++) {
        const a = byAdd.add(mine[j]!, ref);
        // The slots found stay right while only this slice's keys are added.
        const b = byAddAt.addAt(free[j]!, mine[j]!, ref);
        assert.equal(b, a, `key ${mine[j]} of slice ${ref}`);
        if (b) addedAt++;
        else refused++;
      }
      // An add makes what `find` returned stale (for the lookups of other slices).
      assert.equal(
        byAddAt.version > version,
        free.some((_, j) => refsUnder(byAdd, [mine[j]!])[0]!.includes(ref)),
      );
    }
    // Filled to its limit; with few check values, keys refused as over perKey instead.
    if (checkValues > 1000) assert.ok(byAdd.full, `filled to ${byAdd.entries}`);
    else assert.ok(refused > 100, `${refused} refused`);
    assert.equal(byAddAt.entries, byAdd.entries);
    assert.equal(addedAt, byAdd.entries);
    const all = [...new Set(keys)];
    assert.deepEqual(refsUnder(byAddAt, all), refsUnder(byAdd, all));
  });
}

test('find returns -1 once perKey refs may be under a key, and addAt then adds nothing', () => {
  const t = keyTable(1024, 2);
  assert.ok(t.add(5, 0));
  assert.ok(t.add(5, 1));
  const slot = t.find(5, () => undefined);
  assert.equal(slot, -1);
  assert.equal(t.addAt(slot, 5, 2), false);
  assert.equal(t.entries, 2);
  // A ref of 2^16 or more is given back whole.
  const refs: number[] = [];
  const big = keyTable(1024, 2);
  big.addAt(
    big.find(9, () => undefined),
    9,
    0x1234_5678,
  );
  big.find(9, (r) => refs.push(r));
  assert.deepEqual(refs, [0x1234_5678]);
});
