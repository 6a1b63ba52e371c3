import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyTable } from '../../src/storage/key-table.ts';

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

/** What `find` gives for each of `keys`, in order. */
function foundOneByOne(table: ReturnType<typeof keyTable>, keys: Uint32Array): number[] {
  const out: number[] = [];
  for (const k of keys) table.find(k, (ref) => out.push(ref));
  return out;
}

test('findEach gives what find gives key by key, in the same order', () => {
  // Few check values: false candidates (another key with the same check) are met too.
  const table = keyTable(4096, 8, 97);
  const keys = keysOf(20 * 150, 1);
  for (let s = 0; s < 150; s++) {
    for (let b = 0; b < 20; b++) table.add(keys[s * 20 + b]!, s);
  }
  assert.ok(table.entries > 2500);
  for (let s = 0; s < 200; s++) {
    const probe = keysOf(20, s + 7);
    probe.set(keys.subarray(s * 20, s * 20 + 10), 0); // half known keys, half new ones
    const each: number[] = [];
    table.findEach(probe, (ref) => each.push(ref));
    assert.deepEqual(each, foundOneByOne(table, probe), `probe ${s}`);
  }
});

test('addEach fills the table as add does key by key, perKey included', () => {
  const one = keyTable(2048, 3, 1009);
  const each = keyTable(2048, 3, 1009);
  const keys = keysOf(20 * 80, 3);
  for (let s = 0; s < 80; s++) {
    const band = keys.subarray(s * 20, s * 20 + 20);
    for (const k of band) one.add(k, s);
    each.addEach(band, s);
    // The same key over and over: no more than perKey refs under it, in either.
    for (let r = 0; r < 4; r++) {
      one.add(0xdeadbeef, s);
      each.addEach(Uint32Array.of(0xdeadbeef), s);
    }
  }
  assert.equal(each.entries, one.entries);
  const all = keysOf(20 * 80, 3);
  assert.deepEqual(foundOneByOne(each, all), foundOneByOne(one, all));
  const under: number[] = [];
  each.find(0xdeadbeef, (ref) => under.push(ref));
  assert.equal(under.length, 3);
});

test('findEach and addEach take more keys than the table has read ahead before', () => {
  const table = keyTable(1024, 8);
  const keys = keysOf(100, 9);
  table.addEach(keys, 5);
  const found: number[] = [];
  table.findEach(keys, (ref) => found.push(ref));
  assert.ok(found.length >= 100 && found.every((r) => r === 5));
  assert.deepEqual(found, foundOneByOne(table, keys));
});
