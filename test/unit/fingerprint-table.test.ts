import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FingerprintTable } from '../../src/storage/fingerprint-table.ts';

test('fingerprint table: keys found again with their payload words through growth', () => {
  const table = new FingerprintTable(3);
  const n = 40_000;
  for (let i = 0; i < n; i++) {
    const { slot, added } = table.insert(`r/scenario1_s${i}`);
    assert.equal(added, true);
    assert.deepEqual([table.word(slot, 0), table.word(slot, 1), table.word(slot, 2)], [0, 0, 0]);
    table.setWord(slot, 0, i);
    table.setWord(slot, 1, 0xffff_ffff - i);
    table.setWord(slot, 2, -1); // stored as an unsigned 32-bit word
  }
  assert.equal(table.size, n);
  for (let i = 0; i < n; i++) {
    const slot = table.find(`r/scenario1_s${i}`);
    assert.notEqual(slot, -1);
    assert.deepEqual(
      [table.word(slot, 0), table.word(slot, 1), table.word(slot, 2)],
      [i, 0xffff_ffff - i, 0xffff_ffff],
    );
  }
  assert.equal(table.find('r/scenario2_s1'), -1);
  assert.equal(table.find(''), -1);
  const again = table.insert('r/scenario1_s17');
  assert.equal(again.added, false);
  assert.equal(table.word(again.slot, 0), 17, 'an existing key keeps its payload');
  assert.equal(table.size, n);
  const slots = [...table.slots()];
  assert.equal(slots.length, n);
  assert.deepEqual(new Set(slots.map((s) => table.word(s, 0))).size, n);
});

test('fingerprint table: at most 3/4 full, (2 + payload) words per slot', () => {
  const table = new FingerprintTable(1);
  assert.equal(table.bytes, 16 * 3 * 4);
  for (let i = 0; i < 12; i++) table.insert(`k${i}`);
  assert.equal(table.bytes, 16 * 3 * 4, '12 of 16 slots: not grown');
  table.insert('k12');
  assert.equal(table.bytes, 32 * 3 * 4, 'the 13th key doubles it');
  assert.equal(table.insert('k12').added, false);
  assert.equal(table.bytes, 32 * 3 * 4, 'an existing key does not grow it');
});

test('fingerprint table: reset reuses a large enough array, sizes it once otherwise; release', () => {
  const table = new FingerprintTable(4, 1000);
  for (let i = 0; i < 1000; i++) table.setWord(table.insert(`a${i}`).slot, 3, i + 1);
  const bytes = table.bytes;
  table.reset(500);
  assert.equal(table.size, 0);
  assert.equal(table.bytes, bytes, 'reused');
  assert.equal(table.find('a1'), -1);
  assert.deepEqual([...table.slots()], []);
  const { slot } = table.insert('a1');
  assert.equal(table.word(slot, 3), 0, 'emptied, payload too');
  table.reset(50_000);
  const sized = table.bytes;
  assert.ok(sized >= ((50_000 * 4) / 3) * 6 * 4);
  for (let i = 0; i < 50_000; i++) table.insert(`b${i}`);
  assert.equal(table.bytes, sized, 'no growth while filling as expected');
  table.release();
  assert.equal(table.size, 0);
  assert.equal(table.bytes, 16 * 6 * 4);
  assert.equal(table.find('b1'), -1);
});

test('fingerprint table: a look-up then an insertion, of the same key or of others, as a look-up or an insertion alone', () => {
  const table = new FingerprintTable(1);
  const ids = Array.from({ length: 2000 }, (_, i) => `repo/s${i % 700}`);
  const reference = new Map<string, number>();
  ids.forEach((id, i) => {
    // As triage does: look the id up, then add it when new (the same string, or one equal to it).
    const found = table.find(id);
    assert.equal(found === -1, !reference.has(id), id);
    if (found !== -1) assert.equal(table.word(found, 0), reference.get(id));
    const key = i % 2 === 0 ? id : `${id.slice(0, 5)}${id.slice(5)}`;
    const { slot, added } = table.insert(key);
    assert.equal(added, !reference.has(id), id);
    if (added) {
      table.setWord(slot, 0, i);
      reference.set(id, i);
    }
    // A look-up of another key in between: its own fingerprint, not the last one's.
    assert.equal(table.find(`other/${id}`), -1);
  });
  assert.equal(table.size, reference.size);
  for (const [id, i] of reference) assert.equal(table.word(table.find(id), 0), i);
});
