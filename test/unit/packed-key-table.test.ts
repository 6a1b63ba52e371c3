import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyTable } from '../../src/storage/key-table.ts';
import { MAX_PACKED_REF, packedKeyTable } from '../../src/storage/packed-key-table.ts';

/** `count` pseudo-random 32-bit keys (a fixed sequence), some repeated. */
function keysOf(count: number, seed: number): Uint32Array {
  const keys = new Uint32Array(count);
  let x = seed;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    keys[i] = i % 7 === 6 ? keys[i - 3]! : x; // a key met again: several refs under it
  }
  return keys;
}

type Table = ReturnType<typeof keyTable>;

/** What `findEach` gives for `keys`, in order. */
function found(table: Table, keys: Uint32Array): number[] {
  const out: number[] = [];
  table.findEach(keys, (ref) => out.push(ref));
  return out;
}

test('with the same check values, the packed table gives the candidates of the two-array one, in the same order', () => {
  for (const checkValues of [255, 97, 3]) {
    const packed = packedKeyTable(2048, 8, checkValues);
    const plain = keyTable(2048, 8, checkValues);
    let slice = 0;
    for (let round = 0; round < 3; round++) {
      // Filled to the brim, then made again larger and filled anew (as the store does).
      for (; !packed.full; slice++) {
        const band = keysOf(20, slice + 1);
        packed.addEach(band, slice);
        plain.addEach(band, slice);
        packed.add(0xfeedf00d, slice); // one key under every slice: perKey applies
        plain.add(0xfeedf00d, slice);
      }
      assert.equal(plain.full, true, `check values ${checkValues}`);
      assert.equal(packed.entries, plain.entries, `check values ${checkValues}`);
      for (let s = 0; s < slice + 40; s++) {
        const probe = keysOf(20, s + 1); // past `slice`: keys never added
        assert.deepEqual(found(packed, probe), found(plain, probe), `probe ${s}`);
      }
      const under: number[] = [];
      packed.find(0xfeedf00d, (ref) => under.push(ref));
      assert.ok(under.length >= 8, `${under.length} refs under the shared key`);
      packed.reset(packed.slots * 2);
      plain.reset(plain.slots * 2);
      for (let s = 0; s < slice; s++) {
        packed.addEach(keysOf(20, s + 1), s);
        plain.addEach(keysOf(20, s + 1), s);
      }
    }
  }
});

test('no more than perKey refs under a key, and every ref under its own keys', () => {
  const table = packedKeyTable(4096, 3);
  const keys = keysOf(600, 5);
  for (let s = 0; s < 30; s++) {
    table.addEach(keys.subarray(s * 20, s * 20 + 20), s);
    table.add(0xdeadbeef, s);
  }
  const under: number[] = [];
  table.find(0xdeadbeef, (ref) => under.push(ref));
  assert.deepEqual(under, [0, 1, 2]);
  for (let s = 0; s < 30; s++) {
    for (const key of keys.subarray(s * 20, s * 20 + 20)) {
      const refs: number[] = [];
      table.find(key, (ref) => refs.push(ref));
      assert.ok(refs.includes(s), `slice ${s} under its key ${key}`);
    }
  }
});

test('slice numbers up to 2^24 - 1 come back whole; a larger one is an error, not a wrong candidate', () => {
  const table = packedKeyTable(1024, 8);
  table.add(0x12345678, MAX_PACKED_REF);
  table.add(0x9abcdef0, 0);
  const refs: number[] = [];
  table.findEach(Uint32Array.of(0x12345678, 0x9abcdef0), (ref) => refs.push(ref));
  assert.deepEqual(refs, [MAX_PACKED_REF, 0]);
  assert.throws(() => table.add(7, MAX_PACKED_REF + 1), RangeError);
  assert.equal(table.entries, 2);
  assert.throws(() => packedKeyTable(1024, 8, 256), /1 to 255/);
});

test('a slice added where its lookup ended (addFound) lies where addEach puts it: keys of one slice ending at the same free slot, keys with perKey refs already', () => {
  for (const checkValues of [255, 5, 1]) {
    // Small and filled to the brim: probes are long, and keys of one slice often end at the
    // same free slot; with few check values, perKey refs are often under a key already.
    const walked = packedKeyTable(1024, 3, checkValues);
    const placed = packedKeyTable(1024, 3, checkValues);
    for (let slice = 0; !walked.full; slice++) {
      const band = keysOf(20, slice * 3 + 7);
      walked.addEach(band, slice);
      placed.findEach(band, () => undefined);
      placed.addFound(band, slice);
      assert.equal(placed.entries, walked.entries, `check values ${checkValues}, slice ${slice}`);
    }
    assert.equal(placed.full, true);
    // The same slots hold the same refs: every lookup gives the same refs in the same order.
    for (let s = 0; s < 200; s++) {
      const probe = keysOf(20, s * 3 + 7);
      assert.deepEqual(
        found(placed, probe),
        found(walked, probe),
        `check values ${checkValues}, probe ${s}`,
      );
    }
  }
});
