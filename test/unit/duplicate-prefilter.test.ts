import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bloomFilter } from '../../src/domain/bloom-filter.ts';
import { fingerprintCode } from '../../src/domain/code-fingerprint.ts';
import { MIN_SLICES } from '../../src/storage/duplicate-prefilter.ts';
import { openDuplicateStore } from '../../src/storage/duplicate-store.ts';

/** Well-spread 32-bit values (murmur3's finaliser over a counter). */
function spread(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

test('a Bloom filter has every key added, and few others at its capacity', () => {
  const capacity = 20_000;
  const bloom = bloomFilter(capacity);
  for (let i = 0; i < 1000; i++) assert.equal(bloom.has(spread(i), spread(i + 1e9)), false);
  for (let i = 0; i < capacity; i++) bloom.add(spread(i), spread(i + 1e9));
  assert.equal(bloom.size, capacity);
  for (let i = 0; i < capacity; i++) assert.equal(bloom.has(spread(i), spread(i + 1e9)), true);
  let falsePositives = 0;
  const others = 20_000;
  for (let i = 0; i < others; i++) if (bloom.has(spread(-1 - i), spread(2e9 + i))) falsePositives++;
  // 10 bits and 7 probes per key: about 0.8 % in theory.
  assert.ok(falsePositives / others < 0.02, `${falsePositives} false positives of ${others}`);
});

/** A function of its own (at least 24 tokens), numbered `i`; `name` names its argument. */
const code = (i: number, name = 'value'): string =>
  `def scaled_${i}(${name}, limit=${i}):\n` +
  `    if ${name} > limit * ${(i * 7) % 1013}:\n` +
  `        return ${name} // ${i + 3} - ${(i * 31) % 977}\n` +
  `    return [${name}, limit, ${i % 89}, "${i}"]\n`;

test('the store finds exact and near duplicates of slices kept beyond what its prefilter was first made for, and after it is opened again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'slicebatch-prefilter-'));
  try {
    const path = join(dir, 'duplicates.sqlite');
    const count = MIN_SLICES + 300;
    const at = new Date(0);
    let store = await openDuplicateStore(path, { nearThreshold: 0.8 });
    // The prefilter is made by the first lookup, for MIN_SLICES slices: it must grow.
    assert.equal(store.find('r', 'none', fingerprintCode(code(-1), 'a.py')), undefined);
    for (let i = 0; i < count; i++) {
      store.keep(
        { repo: 'r', id: `s${i}`, file: 'a.py', line: i + 1 },
        fingerprintCode(code(i), 'a.py'),
        at,
      );
    }
    store.commit();
    const probes = [0, 1, MIN_SLICES - 1, MIN_SLICES, count - 1];
    for (let round = 0; round < 2; round++) {
      for (const i of probes) {
        const exact = store.find('r2', `copy${i}`, fingerprintCode(`# a copy\n${code(i)}`, 'b.py'));
        assert.equal(exact?.kind, 'exact', `slice ${i}, round ${round}`);
        assert.equal(exact.kept.id, `s${i}`);
        const renamed = fingerprintCode(code(i, 'amount'), 'b.py');
        assert.notEqual(renamed.exact, fingerprintCode(code(i), 'a.py').exact);
        const near = store.find('r2', `renamed${i}`, renamed);
        assert.equal(near?.kind, 'near', `slice ${i}, round ${round}`);
        assert.equal(near.kept.id, `s${i}`);
      }
      // A new function is no duplicate of any.
      assert.equal(store.find('r2', 'new', fingerprintCode(code(count + 5), 'b.py')), undefined);
      store.close();
      store = await openDuplicateStore(path, { nearThreshold: 0.8 });
    }
    store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
