import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHandOver, createRecheckTimer } from '../../src/intake/hand-over.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { ListedFile } from '../../src/storage/list-files.ts';

const file = (name: string): ListedFile => ({
  rel: name,
  relDir: '',
  path: `/inbox/${name}`,
  size: 1,
  mtimeMs: 0,
  ctimeMs: 0,
  ino: 1,
});

test('files ready in the same moment go as one batch; those ready during it as the next', async () => {
  const lines: string[] = [];
  const log = await createLogger({
    level: 'error',
    stream: { write: (l: string) => lines.push(l) },
  });
  const batches: string[][] = [];
  let release!: () => void;
  const first = new Promise<void>((r) => (release = r));
  const handOver = createHandOver(async (files) => {
    batches.push(files.map((f) => f.rel));
    if (batches.length === 1) await first;
    if (batches.length === 2) throw new Error('disk went away');
  }, log);
  handOver.add(file('a.jsonl'));
  handOver.add(file('b.jsonl'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(batches, [['a.jsonl', 'b.jsonl']]);
  handOver.add(file('c.jsonl'));
  handOver.add(file('c.jsonl')); // the same file twice: handed over once
  assert.equal(handOver.size, 1);
  release();
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(batches, [['a.jsonl', 'b.jsonl'], ['c.jsonl']]);
  // The failed batch is logged, and the next one still goes.
  assert.match(lines.join(''), /handling new inbox files failed: disk went away/);
  handOver.add(file('d.jsonl'));
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(batches.at(-1), ['d.jsonl']);
  await handOver.close();
  handOver.add(file('e.jsonl'));
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(batches.length, 3, 'nothing handed over after close');
});

test('the recheck timer fires once, at the earliest time asked for', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 1_000;
  let runs = 0;
  const timer = createRecheckTimer(
    () => now,
    () => runs++,
  );
  timer.schedule(1_500);
  timer.schedule(1_800); // later: changes nothing
  timer.schedule(1_200); // earlier: replaces it
  t.mock.timers.tick(199);
  assert.equal(runs, 0);
  t.mock.timers.tick(1);
  assert.equal(runs, 1);
  t.mock.timers.tick(1_000);
  assert.equal(runs, 1, 'the replaced times do not fire');
  now = 2_000;
  timer.schedule(2_000); // due now: at least 10 ms later
  t.mock.timers.tick(9);
  assert.equal(runs, 1);
  t.mock.timers.tick(1);
  assert.equal(runs, 2);
  timer.schedule(2_100);
  timer.close();
  t.mock.timers.tick(1_000);
  assert.equal(runs, 2, 'nothing fires after close');
});
