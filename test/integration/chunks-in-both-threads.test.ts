/**
 * The helper thread encodes some read chunks whole while the conversion thread encodes the
 * others (convert/line-encoder.ts); which slices are sent is still decided in input order.
 * Chunks encoded in both threads in turn must give what one thread gives: the same batch input
 * files byte for byte, the same rejects reports, the same counts, over ids repeated across
 * chunks, folders that share ids, lines that are not text, and slices sent by an earlier run.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { convertReviewedSlices } from '../../src/convert/convert-reviewed-slices.ts';
import {
  inlineHelpers,
  threadHelpers,
  type ConvertHelpers,
} from '../../src/convert/helper-thread-client.ts';
import { createLogger } from '../../src/log/logger.ts';
import { listFiles } from '../../src/storage/list-files.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { tempDir } from '../support/temp-dir.ts';
import { later } from '../support/test-time.ts';

const quietLog = await createLogger({ level: 'silent', stream: { write() {} } });

/** Generated slices, one per line: enough for several 256 KB read chunks. */
function slicesOf(count: number, seed: number, idPrefix: string): string[] {
  const gen = createSliceGenerator({ seed });
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({ ...gen.next(), id: `${idPrefix}${i}` }),
  );
}

/** The inbox of the first run, and what the second run adds. */
function inputs() {
  const a = slicesOf(2400, 3, 'a');
  // Repeated ids: in a later chunk of the same file, and in the file's last lines.
  a[1700] = a[1700]!.replace(/"id":"a1700"/, '"id":"a5"');
  a[2399] = a[2399]!.replace(/"id":"a2399"/, '"id":"a1200"');
  a[900] = '{"id": "broken", ';
  const first = {
    // Not valid UTF-8: its chunk is encoded in the conversion thread whatever its turn.
    'repo_a/s.jsonl': Buffer.concat([
      Buffer.from(a.slice(0, 1300).join('\n') + '\n'),
      Buffer.from([0xff, 0xfe, 0x0a]),
      Buffer.from(a.slice(1300).join('\n') + '\n'),
    ]),
    // The same ids in another folder: not repeated (ids are a folder's).
    'repo_b/s.jsonl': Buffer.from(a.join('\n') + '\n'),
  };
  // Second run: lines appended to a file read before, and a new file of the same folder that
  // brings back slices sent by the first run among new ones.
  const appended = slicesOf(600, 4, 'n').join('\n') + '\n';
  const back = [...a.slice(0, 1500), ...slicesOf(900, 5, 'm')].join('\n') + '\n';
  return { first, appended, back };
}

async function convert(
  dir: string,
  helpers: ConvertHelpers,
  at: number,
  caps?: { scenario1: number; scenario2: number },
  dedup = false,
) {
  return convertReviewedSlices({
    ...(caps === undefined ? {} : { caps }),
    reviewedDir: join(dir, '2.reviewed_slices'),
    batchInputDir: join(dir, '3.batch_input'),
    dataDir: dir,
    config: parseConfig(
      { limits: { max_requests_per_file: 1000 }, dedup: { enabled: dedup } },
      'test',
    ),
    helpers,
    now: () => later(at),
    log: quietLog,
  });
}

/** Every file the conversion wrote (batch input files, manifests, rejects reports). */
async function written(dir: string): Promise<[string, string][]> {
  const files = await listFiles(join(dir, '3.batch_input'), () => true);
  const out: [string, string][] = [];
  for (const f of files.sort((x, y) => (x.rel < y.rel ? -1 : 1))) {
    out.push([f.rel, await readFile(f.path, 'utf8')]);
  }
  return out;
}

async function runBoth(helpers: ConvertHelpers, dir: string) {
  const { first, appended, back } = inputs();
  for (const [rel, content] of Object.entries(first)) {
    await mkdir(join(dir, '2.reviewed_slices', rel, '..'), { recursive: true });
    await writeFile(join(dir, '2.reviewed_slices', rel), content);
  }
  const one = await convert(dir, helpers, 0);
  await appendFile(join(dir, '2.reviewed_slices/repo_a/s.jsonl'), appended);
  await writeFile(join(dir, '2.reviewed_slices/repo_a/t.jsonl'), back);
  const two = await convert(dir, helpers, 60_000);
  return { totals: [one.totals, two.totals], files: await written(dir) };
}

test('chunks encoded in both threads in turn give what one thread gives', async (t) => {
  const inline = await runBoth(inlineHelpers(), await tempDir(t));
  const worker = threadHelpers({ lines: 'alternate' });
  t.after(() => worker.close());
  const both = await runBoth(worker, await tempDir(t));
  // About 80 read chunks of 256 KB over the two runs: every other one went to the helper thread.
  assert.ok(worker.lines!.sent >= 30, `${worker.lines!.sent} chunks encoded there`);

  // What the runs are made of, so that the comparison means something.
  const [one, two] = inline.totals;
  assert.equal(one!.rejected, 7, 'two repeated ids and a broken line in each folder; not UTF-8');
  assert.equal(one!.converted.scenario1 + one!.converted.scenario2, 2 * 2400 - 6);
  // Every file is read again: what the first run sent is skipped (the broken line and the
  // repeated ids are rejected again), and only the new slices are sent.
  assert.equal(two!.alreadyConverted, 2 * (2400 - 3) + (1500 - 1));
  assert.equal(two!.converted.scenario1 + two!.converted.scenario2, 600 + 900);
  assert.equal(two!.rejected, 7 + 1);

  assert.deepEqual(both.totals, inline.totals);
  assert.equal(both.files.length, inline.files.length);
  for (let i = 0; i < inline.files.length; i++) {
    assert.equal(both.files[i]![0], inline.files[i]![0]);
    assert.ok(both.files[i]![1] === inline.files[i]![1], `${inline.files[i]![0]} differs`);
  }
});

test('over the caps, chunks encoded in both threads in turn skip the slices one thread skips', async (t) => {
  const { first } = inputs();
  const caps = { scenario1: 1500, scenario2: 300 };
  const runs = [];
  const worker = threadHelpers({ lines: 'alternate' });
  t.after(() => worker.close());
  for (const helpers of [inlineHelpers(), worker]) {
    const dir = await tempDir(t);
    await mkdir(join(dir, '2.reviewed_slices/repo_a'), { recursive: true });
    await writeFile(join(dir, '2.reviewed_slices/repo_a/s.jsonl'), first['repo_a/s.jsonl']);
    const { totals } = await convert(dir, helpers, 0, caps);
    runs.push({ totals, files: await written(dir) });
  }
  assert.deepEqual(runs[0]!.totals.converted, caps);
  assert.equal(runs[0]!.totals.overCap, 2400 - 3 - 1500 - 300);
  assert.deepEqual(runs[1], runs[0]);
});

test('with dedup, chunks encoded in both threads in turn keep and drop the slices one thread does', async (t) => {
  const { first } = inputs();
  // repo_b's slices are repo_a's: with dedup, all but the repeated ones are duplicates.
  const runs = [];
  const worker = threadHelpers({ lines: 'alternate' });
  t.after(() => worker.close());
  for (const helpers of [inlineHelpers(), worker]) {
    const dir = await tempDir(t);
    for (const [rel, content] of Object.entries(first)) {
      await mkdir(join(dir, '2.reviewed_slices', rel, '..'), { recursive: true });
      await writeFile(join(dir, '2.reviewed_slices', rel), content);
    }
    const summary = await convert(dir, helpers, 0, undefined, true);
    runs.push({ totals: summary.totals, saved: summary.duplicates, files: await written(dir) });
  }
  const saved = runs[0]!.saved!;
  const duplicates = saved.scenario1.requests + saved.scenario2.requests;
  assert.ok(duplicates >= 2400 - 3, `${duplicates} duplicates`);
  assert.deepEqual(runs[1], runs[0]);
});
