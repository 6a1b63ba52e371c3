import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataDirLockedError, lockDataDir, STALE_MS } from '../../src/storage/data-dir-lock.ts';
import { JournalCorruptError, openJournal, readJournal } from '../../src/storage/journal.ts';
import { tempDir } from '../support/temp-dir.ts';

test('a journal keeps every appended record; a torn last line is skipped, then cut off', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'j.jsonl');
  const j = await openJournal<{ n: number }>(path);
  await j.append({ n: 1 });
  await j.append({ n: 2 });
  await j.close();
  await appendFile(path, '{"n": 3, "torn'); // a crash mid-append
  assert.deepEqual(await readJournal(path), [{ n: 1 }, { n: 2 }]);
  const again = await openJournal<{ n: number }>(path);
  await again.append({ n: 4 });
  await again.close();
  assert.deepEqual(await readJournal(path), [{ n: 1 }, { n: 2 }, { n: 4 }]);
  assert.equal(await readFile(path, 'utf8'), '{"n":1}\n{"n":2}\n{"n":4}\n');
});

test('a damaged line in the middle of a journal is reported, not skipped', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'j.jsonl');
  await writeFile(path, '{"n":1}\nnot json\n{"n":2}\n');
  await assert.rejects(readJournal(path), JournalCorruptError);
  assert.deepEqual(await readJournal(join(dir, 'missing.jsonl')), []);
});

test('one process per data folder; a lock left by a dead process or not refreshed is taken over', async (t) => {
  const dir = await tempDir(t);
  const lock = await lockDataDir(dir, '/data', 'run');
  await assert.rejects(lockDataDir(dir, '/data', 'submit'), (err: Error) => {
    assert.ok(err instanceof DataDirLockedError);
    assert.match(err.message, /\/data is in use by another slicebatch \(run, pid \d+/);
    return true;
  });
  await lock.release();
  const again = await lockDataDir(dir, '/data', 'submit');
  await again.release();
  // A dead process on this host.
  await writeFile(
    join(dir, 'lock'),
    JSON.stringify({
      pid: 2 ** 22 + 7,
      host: (await import('node:os')).hostname(),
      command: 'run',
      started_at: 'x',
    }),
  );
  await (await lockDataDir(dir, '/data', 'run')).release();
  // Another host (a container that restarted), not refreshed for longer than STALE_MS.
  await writeFile(
    join(dir, 'lock'),
    JSON.stringify({ pid: 1, host: 'old-container', command: 'run', started_at: 'x' }),
  );
  // Touched now, as its owner does every REFRESH_MS.
  await utimes(join(dir, 'lock'), new Date(), new Date());
  await assert.rejects(lockDataDir(dir, '/data', 'run'), DataDirLockedError);
  const old = new Date(Date.now() - STALE_MS - 1000);
  await utimes(join(dir, 'lock'), old, old);
  await (await lockDataDir(dir, '/data', 'run')).release();
});
