/**
 * The duplicate store kept open between conversions (convert/duplicate-store-keeper.ts): taken
 * back by the next run while its files on disk are the ones it opened, closed when they are not,
 * when it idles, and when the keeper closes.
 */
import assert from 'node:assert/strict';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { createDuplicateStoreKeeper } from '../../src/convert/duplicate-store-keeper.ts';
import type { DuplicateStore } from '../../src/storage/duplicate-store-types.ts';
import { tempDir } from '../support/temp-dir.ts';

/** A store that counts its closes (the keeper calls nothing else). */
function fakeStore(): DuplicateStore & { closes: number } {
  const store = {
    closes: 0,
    close() {
      store.closes++;
    },
  };
  return store as unknown as DuplicateStore & { closes: number };
}

async function storeFiles(dir: string): Promise<string[]> {
  const paths = ['duplicates.sqlite', 'duplicates.index', 'duplicates.data'].map((n) =>
    join(dir, n),
  );
  for (const p of paths) await writeFile(p, 'x');
  return paths;
}

test('a store kept is taken back, open, by the next run, and only once', async (t) => {
  const paths = await storeFiles(await tempDir(t));
  const keeper = createDuplicateStoreKeeper();
  t.after(() => keeper.close());
  const store = fakeStore();
  keeper.keep(paths, store);
  assert.equal(keeper.take(paths), store);
  assert.equal(store.closes, 0);
  assert.equal(keeper.take(paths), undefined, 'taken: the keeper holds it no more');
  keeper.keep(paths, store);
  keeper.close();
  assert.equal(store.closes, 1);
});

test('files deleted, replaced or elsewhere: the store kept is closed, not taken', async (t) => {
  const dir = await tempDir(t);
  const paths = await storeFiles(dir);
  const keeper = createDuplicateStoreKeeper();
  t.after(() => keeper.close());

  const first = fakeStore();
  keeper.keep(paths, first);
  await rm(paths[1]!);
  assert.equal(keeper.take(paths), undefined);
  assert.equal(first.closes, 1);

  await writeFile(paths[1]!, 'x');
  const second = fakeStore();
  keeper.keep(paths, second);
  // Moved aside and a new file put in its place (another inode): not the file it opened.
  await writeFile(join(dir, 'new.data'), 'x');
  await rename(join(dir, 'new.data'), paths[2]!);
  assert.equal(keeper.take(paths), undefined);
  assert.equal(second.closes, 1);

  const third = fakeStore();
  keeper.keep(paths, third);
  const elsewhere = await storeFiles(await tempDir(t));
  assert.equal(keeper.take(elsewhere), undefined);
  assert.equal(third.closes, 1);

  // Kept with a file missing: closed at once.
  const fourth = fakeStore();
  await rm(paths[0]!);
  keeper.keep(paths, fourth);
  assert.equal(fourth.closes, 1);
});

test('a store not taken for the idle time is closed; one kept after the keeper closed, at once', async (t) => {
  const paths = await storeFiles(await tempDir(t));
  const keeper = createDuplicateStoreKeeper(30);
  const idle = fakeStore();
  keeper.keep(paths, idle);
  await sleep(200);
  assert.equal(idle.closes, 1);
  assert.equal(keeper.take(paths), undefined);

  // Taken before the idle time: not closed later by that time.
  const busy = fakeStore();
  keeper.keep(paths, busy);
  assert.equal(keeper.take(paths), busy);
  await sleep(200);
  assert.equal(busy.closes, 0);

  keeper.close();
  const late = fakeStore();
  keeper.keep(paths, late);
  assert.equal(late.closes, 1);
});
