import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fingerprintCode } from '../../src/domain/code-fingerprint.ts';
import { DATA_NAME, INDEX_NAME } from '../../src/storage/duplicate-kept.ts';
import { INDEX_RECORD } from '../../src/storage/duplicate-log.ts';
import {
  BrokenStoreError,
  DuplicateStoreFullError,
  openDuplicateStore,
} from '../../src/storage/duplicate-store.ts';
import { loadSqlite } from '../../src/storage/sqlite.ts';

/** A function of its own (at least 24 tokens), numbered `i`; `name` names its argument. */
const code = (i: number, name = 'value'): string =>
  `def scaled_${i}(${name}, limit=${i}):\n` +
  `    if ${name} > limit * ${(i * 7) % 1013}:\n` +
  `        return ${name} // ${i + 3} - ${(i * 31) % 977}\n` +
  `    return [${name}, limit, ${i % 89}, "${i}"]\n`;

async function storeDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'slicebatch-dup-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const at = new Date(0);
const keepAll = (
  store: Awaited<ReturnType<typeof openDuplicateStore>>,
  from: number,
  to: number,
): void => {
  for (let i = from; i < to; i++) {
    store.keep(
      { repo: 'r', id: `s${i}`, file: 'a.py', line: i + 1 },
      fingerprintCode(code(i), 'a.py'),
      at,
    );
  }
};

test('the store finds exact and near duplicates of slices kept beyond what its tables were first made for, and after it is opened again', async (t) => {
  const path = join(await storeDir(t), 'duplicates.sqlite');
  const count = 3000;
  let store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  // The tables are made for a few dozen slices: they grow many times.
  assert.equal(store.find('r', 'none', fingerprintCode(code(-1), 'a.py')), undefined);
  keepAll(store, 0, count);
  store.commit();
  const probes = [0, 1, 40, 1000, count - 1];
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
      // Not a duplicate of itself.
      assert.equal(store.find('r', `s${i}`, fingerprintCode(code(i), 'a.py')), undefined);
    }
    // A new function is no duplicate of any.
    assert.equal(store.find('r2', 'new', fingerprintCode(code(count + 5), 'b.py')), undefined);
    store.close();
    store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  }
  assert.equal(store.list().length, count);
  store.close();
});

test('a torn tail of the index (a commit cut short) is ignored and cut off; what was committed before is kept', async (t) => {
  const dir = await storeDir(t);
  const path = join(dir, 'duplicates.sqlite');
  let store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  keepAll(store, 0, 10);
  store.commit();
  store.confirm();
  keepAll(store, 10, 20);
  store.commit();
  store.close();
  const index = join(dir, INDEX_NAME);
  const whole = (await stat(index)).size;
  // The last slice's record cut in the middle, as a kill during the write leaves it.
  await truncate(index, whole - Math.floor(INDEX_RECORD / 2));
  store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  assert.deepEqual(
    store.list().map((k) => k.slice.id),
    Array.from({ length: 19 }, (_, i) => `s${i}`),
  );
  assert.equal(store.find('r2', 'c18', fingerprintCode(code(18), 'b.py'))?.kept.id, 's18');
  assert.equal(store.find('r2', 'c19', fingerprintCode(code(19), 'b.py')), undefined);
  // Slices kept after it are read back after the cut, not after the torn bytes.
  keepAll(store, 19, 25);
  store.commit();
  store.close();
  // A record with a wrong checksum: it and all after it are a torn tail too.
  const bytes = await readFile(index);
  const last = bytes.length - INDEX_RECORD;
  bytes[last + 12] = bytes[last + 12]! ^ 0xff;
  await writeFile(index, bytes);
  store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  assert.deepEqual(
    store.list().map((k) => k.slice.id),
    Array.from({ length: 24 }, (_, i) => `s${i}`),
  );
  assert.equal(store.find('r2', 'c23', fingerprintCode(code(23), 'b.py'))?.kept.id, 's23');
  store.close();
});

test('uncommitted slices are not kept; pending ones are settled when the store is opened again', async (t) => {
  const path = join(await storeDir(t), 'duplicates.sqlite');
  let store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  keepAll(store, 0, 3);
  store.commit();
  keepAll(store, 3, 5); // never committed
  store.close();
  store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  assert.deepEqual(
    store.list().map((k) => [k.slice.id, k.pending]),
    [
      ['s0', true],
      ['s1', true],
      ['s2', true],
    ],
  );
  assert.deepEqual(store.pendingRepos(), ['r']);
  store.settle('r', (id) => id !== 's1');
  store.close();
  store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  assert.deepEqual(store.pendingRepos(), []);
  assert.deepEqual(
    store.list().map((k) => [k.slice.id, k.pending]),
    [
      ['s0', false],
      ['s2', false],
    ],
  );
  assert.equal(store.find('r2', 'x', fingerprintCode(code(1), 'b.py')), undefined, 's1 dropped');
  assert.equal(store.find('r2', 'x', fingerprintCode(code(2), 'b.py'))?.kept.id, 's2');
  store.close();
});

test('keys that collide in the lookup tables are verified against the slice: no false duplicate', async (t) => {
  const path = join(await storeDir(t), 'duplicates.sqlite');
  // One check value: every key in a probe run is taken for every other.
  const store = await openDuplicateStore(path, { nearThreshold: 0.8, checkValues: 1 });
  keepAll(store, 0, 300);
  const before = store.stats.reads;
  for (let i = 300; i < 340; i++) {
    assert.equal(store.find('r2', `n${i}`, fingerprintCode(code(i), 'b.py')), undefined);
  }
  assert.ok(store.stats.reads - before > 40, `${store.stats.reads - before} candidates read`);
  const near = store.find('r2', 'x', fingerprintCode(code(120, 'amount'), 'b.py'));
  assert.equal(near?.kept.id, 's120');
  store.close();
});

test('a slice kept again with the same code is kept once', async (t) => {
  const path = join(await storeDir(t), 'duplicates.sqlite');
  const store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  keepAll(store, 0, 2);
  keepAll(store, 0, 2);
  assert.deepEqual(
    store.list().map((k) => k.slice.id),
    ['s0', 's1'],
  );
  store.close();
});

test('an index that is not one is a broken store, with its data file', async (t) => {
  const dir = await storeDir(t);
  await writeFile(
    join(dir, INDEX_NAME),
    'not an index, but a text file of 64 bytes or so, long enough\n',
  );
  await appendFile(join(dir, DATA_NAME), 'data');
  await assert.rejects(
    openDuplicateStore(join(dir, 'duplicates.sqlite'), { nearThreshold: 0.8 }),
    (err: unknown) =>
      err instanceof BrokenStoreError &&
      err.file === join(dir, INDEX_NAME) &&
      err.files.includes(join(dir, DATA_NAME)),
  );
});

test('the slices kept by a store of the earlier version (in its SQLite file) are moved into the files, compared exactly', async (t) => {
  const dir = await storeDir(t);
  const path = join(dir, 'duplicates.sqlite');
  const { DatabaseSync } = await loadSqlite();
  const db = new DatabaseSync(path);
  db.exec(`CREATE TABLE kept (ref INTEGER PRIMARY KEY, repo TEXT NOT NULL, slice_id TEXT NOT NULL,
    file TEXT NOT NULL, line INTEGER NOT NULL, exact BLOB NOT NULL, signature BLOB,
    pending INTEGER NOT NULL, at TEXT NOT NULL, UNIQUE (repo, slice_id));
    CREATE TABLE bands (key INTEGER NOT NULL, ref INTEGER NOT NULL, PRIMARY KEY (key, ref)) WITHOUT ROWID;`);
  const insert = db.prepare(
    'INSERT INTO kept (repo, slice_id, file, line, exact, signature, pending, at) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)',
  );
  const exactOf = (i: number): Buffer => Buffer.from(fingerprintCode(code(i), 'a.py').exact, 'hex');
  insert.run('old', 'o1', 'old/a.jsonl', 1, exactOf(1), 0, at.toISOString());
  insert.run('old', 'o2', 'old/a.jsonl', 2, exactOf(2), 1, at.toISOString()); // pending: not moved
  db.close();
  let store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  store.close();
  store = await openDuplicateStore(path, { nearThreshold: 0.8 });
  assert.deepEqual(
    store.list().map((k) => [k.slice.repo, k.slice.id, k.slice.file, k.pending]),
    [['old', 'o1', 'old/a.jsonl', false]],
  );
  const match = store.find('new', 'n1', fingerprintCode(`# the same\n${code(1)}`, 'b.py'));
  assert.equal(match?.kind, 'exact');
  assert.equal(match.kept.id, 'o1');
  store.close();
  const after = new DatabaseSync(path, { readOnly: true });
  const tables = after.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all();
  after.close();
  assert.deepEqual(
    tables.map((r) => r.name),
    ['not_sent'],
  );
});

test('a store that holds as many slices as it can refuses one more with an error saying what to do, writes nothing of it, and opens again as it was', async (t) => {
  const dir = await storeDir(t);
  const path = join(dir, 'duplicates.sqlite');
  // The real limit is the band table's 2^24 slices; 5 here.
  let store = await openDuplicateStore(path, { nearThreshold: 0.8, maxSlices: 5 });
  keepAll(store, 0, 5);
  store.commit();
  const sizes = async () => [
    (await stat(join(dir, DATA_NAME))).size,
    (await stat(join(dir, INDEX_NAME))).size,
  ];
  const before = await sizes();
  assert.throws(
    () => keepAll(store, 5, 6),
    (err: unknown) =>
      err instanceof DuplicateStoreFullError &&
      err.code === 'duplicate_store_full' &&
      err.message.includes(dir) &&
      err.message.includes('5 slices') &&
      /move that folder aside/.test(err.message) &&
      /dedup\.enabled/.test(err.message),
  );
  assert.deepEqual(await sizes(), before, 'nothing of the refused slice is written');
  store.close();
  store = await openDuplicateStore(path, { nearThreshold: 0.8, maxSlices: 5 });
  t.after(() => store.close());
  assert.equal(store.find('r2', 'copy4', fingerprintCode(code(4), 'b.py'))?.kept.id, 's4');
  assert.equal(store.find('r2', 'copy5', fingerprintCode(code(5), 'b.py')), undefined);
});
