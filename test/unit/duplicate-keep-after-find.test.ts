import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fingerprintCode } from '../../src/domain/code-fingerprint.ts';
import { openDuplicateStore, type DuplicateStore } from '../../src/storage/duplicate-store.ts';

/** A function of its own (at least 24 tokens), numbered `i`; `name` names its argument. */
const code = (i: number, name = 'value'): string =>
  `def scaled_${i}(${name}, limit=${i}):\n` +
  `    if ${name} > limit * ${(i * 7) % 1013}:\n` +
  `        return ${name} // ${i + 3} - ${(i * 31) % 977}\n` +
  `    return [${name}, limit, ${i % 89}, "${i}"]\n`;

const at = new Date(0);
const slice = (id: string) => ({ repo: 'r', id, file: 'a.py', line: 1 });

async function openStore(t: TestContext): Promise<DuplicateStore> {
  const dir = await mkdtemp(join(tmpdir(), 'slicebatch-dup-keep-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await openDuplicateStore(join(dir, 'duplicates.sqlite'), { nearThreshold: 0.8 });
  t.after(() => store.close());
  return store;
}

test('keeping the slice just looked up does not read the data records the lookup read', async (t) => {
  const store = await openStore(t);
  const fp = fingerprintCode(code(1), 'a.py');
  store.keep(slice('s1'), fp, at);
  // The same slice again (a run after one that died before its confirm): the lookup reads
  // the record under its exact hash, the slice itself, and the keep needs no second look.
  assert.equal(store.find('r', 's1', fp), undefined);
  const reads = store.stats.reads;
  store.keep(slice('s1'), fp, at);
  assert.equal(store.stats.reads, reads, 'data records read by the keep');
  assert.deepEqual(
    store.list().map((k) => k.slice.id),
    ['s1'],
  );
});

test('what a lookup learnt is not used for another slice, another fingerprint or after a slice is added', async (t) => {
  const store = await openStore(t);
  const [fp1, fp2, fp3] = [1, 2, 3].map((i) => fingerprintCode(code(i), 'a.py'));
  store.keep(slice('s1'), fp1!, at);
  // Looked up as s1 (itself), kept as s9: another slice, kept.
  assert.equal(store.find('r', 's1', fp1!), undefined);
  store.keep(slice('s9'), fp1!, at);
  // Two lookups, then the keep of the first: its own band keys, not the second's.
  assert.equal(store.find('r', 's2', fp2!), undefined);
  assert.equal(store.find('r', 's3', fp3!), undefined);
  store.keep(slice('s2'), fp2!, at);
  // A lookup, a slice added, then the keep of the looked-up one (kept already: not again).
  assert.equal(store.find('r', 's2', fp2!), undefined);
  store.keep(slice('s3'), fp3!, at);
  store.keep(slice('s2'), fp2!, at);
  assert.deepEqual(
    store.list().map((k) => k.slice.id),
    ['s1', 's9', 's2', 's3'],
  );
  for (const i of [2, 3]) {
    const near = store.find('r2', `renamed${i}`, fingerprintCode(code(i, 'amount'), 'b.py'));
    assert.equal(near?.kind, 'near', `slice ${i}`);
    assert.equal(near.kept.id, `s${i}`);
  }
});
