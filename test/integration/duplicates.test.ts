/**
 * Duplicates caught before paying (`dedup`): exact and near duplicates within a file, across
 * files, across repo folders and across runs are not sent, and are reported as `duplicate` of
 * the slice kept; the store of what was sent survives a crash on either side of a seal.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import {
  convertReviewedSlices,
  type ConvertOptions,
} from '../../src/convert/convert-reviewed-slices.ts';
import { duplicateStorePath } from '../../src/convert/duplicate-gate.ts';
import { createDuplicateStoreKeeper } from '../../src/convert/duplicate-store-keeper.ts';
import { inlineHelpers, type ConvertHelpers } from '../../src/convert/helper-thread-client.ts';
import type { RejectEntry } from '../../src/convert/rejects-report.ts';
import { fingerprintCode, similarity } from '../../src/domain/code-fingerprint.ts';
import { rejectsReportName } from '../../src/domain/file-names.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { duplicateStoreFiles, openDuplicateStore } from '../../src/storage/duplicate-store.ts';
import { Capture } from '../support/capture.ts';
import { runCli } from '../support/cli.ts';
import {
  daemonTestConfig,
  quickEmulator,
  sentCustomIds,
  startTestDaemon,
  waitFor,
} from '../support/daemon.ts';
import { systemClock, type Clock } from '../../src/clock.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START, later } from '../support/test-time.ts';

const quietLog = await createLogger({ level: 'silent', stream: { write() {} } });
const inline = inlineHelpers();
const WEEK_MS = 7 * 24 * 3600 * 1000;

const MERGE = `def merge_counts(left, right):
    """Add the counts of right into left."""
    total = dict(left)
    for key, value in right.items():
        if value < 0:
            raise ValueError("negative count for %r" % key)
        total[key] = total.get(key, 0) + value
    return total`;

/** MERGE with other comments, blank lines, indentation and quotes: the same tokens. */
const MERGE_RECOMMENTED = `def merge_counts(left, right):
  """Add the counts of right into left."""
  # copy first, so that left is untouched
  total = dict(left)

  for key, value in right.items():   # every pair
      if value < 0:
          raise ValueError('negative count for %r' % key)
      total[key] = total.get(key, 0) + value
  return total`;

/** MERGE with its variables renamed, and one check more. */
const MERGE_RENAMED_EDITED = `def merge_counts(base, extra):
    """Add the counts of right into left."""
    acc = dict(base)
    for name, n in extra.items():
        if n < 0:
            raise ValueError("negative count for %r" % name)
        if n == 0:
            continue
        acc[name] = acc.get(name, 0) + n
    return acc`;

const OTHER = `def parse_pairs(text):
    out = []
    for line in text.splitlines():
        if "=" not in line:
            continue
        name, _, rest = line.partition("=")
        out.append((name.strip(), rest.strip()))
    return out`;

const fn = (id: string, code: string): Record<string, unknown> =>
  functionSlice({ id, name: id, code_snippet: code });

async function inbox(dir: string, rel: string, lines: Record<string, unknown>[]): Promise<void> {
  const path = join(dir, '2.reviewed_slices', rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, jsonl(lines));
}

function convert(
  dir: string,
  dedup: Record<string, unknown> = { enabled: true },
  more: Partial<ConvertOptions> = {},
) {
  return convertReviewedSlices({
    reviewedDir: join(dir, '2.reviewed_slices'),
    batchInputDir: join(dir, '3.batch_input'),
    dataDir: dir,
    config: parseConfig({ dedup }, 'test'),
    helpers: inline,
    now: () => RUN_START,
    log: quietLog,
    ...more,
  });
}

async function rejects(dir: string, rel: string): Promise<RejectEntry[]> {
  const path = join(dir, '3.batch_input', dirname(rel), rejectsReportName(basename(rel)));
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RejectEntry);
}

async function sent(dir: string): Promise<string[]> {
  return [...(await sentCustomIds(join(dir, '3.batch_input'))).keys()].sort();
}

test('exact duplicates within a file: comments, blank lines, indentation and quotes aside; off by default', async (t) => {
  const dir = await tempDir(t);
  await inbox(dir, 'repo_a/s.jsonl', [
    fn('a1', MERGE),
    fn('a2', OTHER),
    fn('a3', MERGE_RECOMMENTED),
    fn('a4', MERGE),
  ]);
  const summary = await convert(dir);
  assert.deepEqual(await sent(dir), ['scenario1_a1', 'scenario1_a2']);
  const report = await rejects(dir, 'repo_a/s.jsonl');
  assert.deepEqual(
    report.map((r) => [r.line, r.code, r.id, r.duplicate_of]),
    [3, 4].map((line) => [
      line,
      'duplicate',
      `a${line}`,
      { id: 'a1', file: '2.reviewed_slices/repo_a/s.jsonl', line: 1, repo: 'repo_a' },
    ]),
  );
  assert.match(
    report[0]!.reason,
    /duplicate of slice "a1" \(2\.reviewed_slices\/repo_a\/s\.jsonl line 1, converted .*\): the same code; not sent, \d+ prompt tokens saved/,
  );
  assert.equal(summary.duplicates?.scenario1.requests, 2);
  assert.ok(summary.duplicates.scenario1.promptTokens > 0);

  // Without `dedup.enabled` (the default) all four are sent.
  const off = await tempDir(t);
  await inbox(off, 'repo_a/s.jsonl', [fn('a1', MERGE), fn('a3', MERGE_RECOMMENTED)]);
  await convert(off, {});
  assert.deepEqual(await sent(off), ['scenario1_a1', 'scenario1_a3']);
});

test('exact duplicates across files and across repo folders', async (t) => {
  const dir = await tempDir(t);
  await inbox(dir, 'repo_a/one.jsonl', [fn('a1', MERGE)]);
  await inbox(dir, 'repo_a/two.jsonl', [fn('a2', OTHER), fn('a3', MERGE_RECOMMENTED)]);
  await inbox(dir, 'repo_b/three.jsonl', [fn('b1', OTHER), fn('b2', MERGE)]);
  await convert(dir);
  assert.deepEqual(await sent(dir), ['scenario1_a1', 'scenario1_a2']);
  const two = await rejects(dir, 'repo_a/two.jsonl');
  assert.deepEqual(
    two.map((r) => [r.line, r.id, r.duplicate_of?.id, r.duplicate_of?.file]),
    [[2, 'a3', 'a1', '2.reviewed_slices/repo_a/one.jsonl']],
  );
  const three = await rejects(dir, 'repo_b/three.jsonl');
  assert.deepEqual(
    three.map((r) => [r.line, r.id, r.duplicate_of?.id, r.duplicate_of?.repo]),
    [
      [1, 'b1', 'a2', 'repo_a'],
      [2, 'b2', 'a1', 'repo_a'],
    ],
  );
  assert.match(three[0]!.reason, /2\.reviewed_slices\/repo_a\/two\.jsonl line 1 of repo_a/);
});

test('a near duplicate is caught at or above dedup.near_threshold, sent below it', async (t) => {
  const a = fingerprintCode(MERGE, 'x.py');
  const b = fingerprintCode(MERGE_RENAMED_EDITED, 'x.py');
  assert.notEqual(a.exact, b.exact);
  const s = similarity(a.signature!, b.signature!);
  assert.ok(s > 0.5 && s < 1, `similarity ${s}: between the thresholds allowed`);
  const half = 0.5 / 128;
  for (const [threshold, caught] of [
    [s - half, true],
    [s + half, false],
  ] as const) {
    const dir = await tempDir(t);
    await inbox(dir, 'repo_a/s.jsonl', [fn('a1', MERGE), fn('a2', MERGE_RENAMED_EDITED)]);
    await convert(dir, { enabled: true, near_threshold: threshold });
    const report = await rejects(dir, 'repo_a/s.jsonl');
    if (caught) {
      assert.deepEqual(await sent(dir), ['scenario1_a1'], `threshold ${threshold}`);
      assert.equal(report[0]?.code, 'duplicate');
      assert.equal(report[0]?.similarity, s);
      assert.match(report[0].reason, new RegExp(`${Math.round(s * 100)} % similar code`));
    } else {
      assert.deepEqual(await sent(dir), ['scenario1_a1', 'scenario1_a2'], `threshold ${threshold}`);
      assert.deepEqual(report, []);
    }
  }
  // A different function is not a near duplicate of either at the default threshold.
  const dir = await tempDir(t);
  await inbox(dir, 'repo_a/s.jsonl', [fn('a1', MERGE), fn('a2', OTHER)]);
  await convert(dir);
  assert.deepEqual(await sent(dir), ['scenario1_a1', 'scenario1_a2']);
});

test('a dry run (estimate) counts duplicates and writes nothing to the store', async (t) => {
  const dir = await tempDir(t);
  await inbox(dir, 'repo_a/one.jsonl', [fn('a1', MERGE)]);
  await convert(dir);
  await inbox(dir, 'repo_a/two.jsonl', [
    fn('a2', MERGE_RECOMMENTED),
    fn('a3', OTHER),
    fn('a4', OTHER),
  ]);
  const dry = await convert(dir, undefined, { dryRun: true });
  assert.equal(dry.duplicates?.scenario1.requests, 2, 'one of the earlier run, one of its own');
  assert.equal(dry.planned?.scenario1.requests, 1);
  const real = await convert(dir);
  assert.equal(real.duplicates?.scenario1.requests, 2, 'the dry run kept nothing');
  assert.deepEqual(await sent(dir), ['scenario1_a1', 'scenario1_a3']);
});

/** The store's slices, as the file holds them. */
async function storeRows(
  dir: string,
): Promise<{ repo: string; slice_id: string; pending: number }[]> {
  const store = await openDuplicateStore(duplicateStorePath(dir), {
    nearThreshold: 0.8,
    dryRun: true,
  });
  try {
    return store
      .list()
      .map((k) => ({ repo: k.slice.repo, slice_id: k.slice.id, pending: k.pending ? 1 : 0 }))
      .sort((a, b) =>
        a.repo === b.repo ? (a.slice_id < b.slice_id ? -1 : 1) : a.repo < b.repo ? -1 : 1,
      );
  } finally {
    store.close();
  }
}

test('a crash after the store is written and before the batch input file has its final name: the slice is not counted as sent', async (t) => {
  const dir = await tempDir(t);
  await inbox(dir, 'repo_a/s.jsonl', [fn('a1', MERGE)]);
  // The seal dies after the store was committed (its content hash never comes). The input
  // file's hash (fed the read buffers, given back to the reader) still comes.
  const dying: ConvertHelpers = {
    ...inline,
    startHash: (giveBack) =>
      giveBack !== undefined
        ? inline.startHash(giveBack)
        : {
            ...inline.startHash(),
            digest: () => Promise.reject(new Error('killed while sealing')),
          },
  };
  await assert.rejects(convert(dir, undefined, { helpers: dying }), /killed while sealing/);
  assert.deepEqual(await sent(dir), []);
  assert.deepEqual(await storeRows(dir), [{ repo: 'repo_a', slice_id: 'a1', pending: 1 }]);

  // The next run, on another folder only: the same code is no duplicate of a slice never sent.
  await inbox(dir, 'repo_b/s.jsonl', [fn('b1', MERGE)]);
  const files = [{ rel: 'repo_b/s.jsonl' }];
  await convert(dir, undefined, {
    files: await listed(dir, files),
  });
  assert.deepEqual(await sent(dir), ['scenario1_b1']);
  assert.deepEqual(await storeRows(dir), [{ repo: 'repo_b', slice_id: 'b1', pending: 0 }]);
});

test('a crash after the batch input file has its final name and before the run confirms it: the slice counts as sent, once', async (t) => {
  const dir = await tempDir(t);
  await inbox(dir, 'repo_a/s.jsonl', [fn('a1', MERGE)]);
  // Dies as the conversion is told the file has its final name.
  const dying = Object.create(quietLog) as Logger;
  dying.info = (obj: unknown, msg?: string) => {
    if (typeof msg === 'string' && msg.startsWith('wrote ')) throw new Error('killed after seal');
  };
  await assert.rejects(convert(dir, undefined, { log: dying }), /killed after seal/);
  assert.deepEqual(await sent(dir), ['scenario1_a1']);
  assert.deepEqual(await storeRows(dir), [{ repo: 'repo_a', slice_id: 'a1', pending: 1 }]);

  await inbox(dir, 'repo_b/s.jsonl', [fn('b1', MERGE)]);
  await convert(dir, undefined, { files: await listed(dir, [{ rel: 'repo_b/s.jsonl' }]) });
  assert.deepEqual(await sent(dir), ['scenario1_a1'], 'b1 duplicates a1, which was sent');
  assert.deepEqual(await storeRows(dir), [{ repo: 'repo_a', slice_id: 'a1', pending: 0 }]);
  const report = await rejects(dir, 'repo_b/s.jsonl');
  assert.equal(report[0]?.duplicate_of?.id, 'a1');

  // The whole inbox again: a1 is converted already, b1 a duplicate again; nothing doubles.
  await convert(dir);
  assert.deepEqual(await sent(dir), ['scenario1_a1']);
  assert.deepEqual(await storeRows(dir), [{ repo: 'repo_a', slice_id: 'a1', pending: 0 }]);
});

test('a duplicate of a slice sent a week earlier is caught, and says when that was', async (t) => {
  const dir = await tempDir(t);
  await inbox(dir, 'repo_a/monday.jsonl', [fn('a1', MERGE)]);
  await convert(dir);
  await inbox(dir, 'repo_a/next-monday.jsonl', [fn('a9', MERGE_RECOMMENTED)]);
  await convert(dir, undefined, { now: () => later(WEEK_MS) });
  assert.deepEqual(await sent(dir), ['scenario1_a1']);
  const report = await rejects(dir, 'repo_a/next-monday.jsonl');
  assert.equal(report[0]?.duplicate_of?.id, 'a1');
  assert.ok(report[0].reason.includes(`converted ${RUN_START.toISOString()}`), report[0].reason);
});

async function listed(dir: string, files: { rel: string }[]) {
  const { listFiles } = await import('../../src/storage/list-files.ts');
  const all = await listFiles(join(dir, '2.reviewed_slices'));
  return all.filter((f) => files.some((x) => x.rel === f.rel));
}

test('estimate shows what the duplicates waiting would save, status what those not sent saved', async (t) => {
  const dir = await tempDir(t);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ data_dir: '.', dedup: { enabled: true } }),
  );
  await inbox(dir, 'repo_a/s.jsonl', [
    fn('a1', MERGE),
    fn('a2', OTHER),
    fn('a3', MERGE_RECOMMENTED),
  ]);
  const price = { input: 0.075, output: 0.3 }; // gpt-4o-mini, the default model's batch price
  const saved = (prompt: number): number => (prompt * price.input + 700 * price.output) / 1e6;

  const estimate = await runCli(['estimate', '--json'], { cwd: dir });
  assert.equal(estimate.code, 0, estimate.stderr);
  const e = JSON.parse(estimate.stdout) as {
    totals: { requests: number };
    duplicates: { requests: number; promptTokens: number; savedUsd: number };
  };
  assert.equal(e.totals.requests, 2, 'the duplicate is not in what is waiting');
  assert.equal(e.duplicates.requests, 1);
  assert.ok(e.duplicates.promptTokens > 100);
  assert.ok(Math.abs(e.duplicates.savedUsd - saved(e.duplicates.promptTokens)) < 1e-12);
  const text = await runCli(['estimate'], { cwd: dir });
  assert.match(
    text.stdout,
    /Duplicates not sent \(dedup\): 1 requests, [\d,]+ prompt tokens, about \$[\d.]+ saved/,
  );

  assert.equal((await runCli(['process', '--quiet'], { cwd: dir })).code, 0);
  const status = await runCli(['status', '--json'], { cwd: dir });
  const s = JSON.parse(status.stdout) as {
    duplicates: { requests: number; prompt_tokens: number; saved_usd: number };
  };
  assert.deepEqual(s.duplicates, {
    requests: 1,
    prompt_tokens: e.duplicates.promptTokens,
    saved_usd: saved(e.duplicates.promptTokens),
  });
  // A second conversion of the same inbox does not count the duplicate twice.
  assert.equal((await runCli(['process', '--quiet'], { cwd: dir })).code, 0);
  const again = JSON.parse((await runCli(['status', '--json'], { cwd: dir })).stdout) as typeof s;
  assert.equal(again.duplicates.requests, 1);
  const screen = await runCli(['status'], { cwd: dir, env: { NO_COLOR: '1' } });
  assert.match(screen.stdout, /duplicates not sent: 1 requests, [\d,]+ prompt tokens, about \$/);

  // The final failures report that compile writes lists it, with the slice kept.
  const compiled = await runCli(['compile'], { cwd: dir });
  assert.equal(compiled.code, 0, compiled.stderr);
  const out = join(dir, '5.final_output');
  const name = (await readdir(out)).find((n) => /^failures_.*\.jsonl$/.test(n));
  assert.ok(name !== undefined, 'a failures report');
  const failures = (await readFile(join(out, name), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const dup = failures.filter((f) => f['code'] === 'duplicate');
  assert.deepEqual(
    dup.map((f) => [f['category'], f['slice_id'], f['line'], f['duplicate_of']]),
    [
      [
        'rejected',
        'a3',
        3,
        { id: 'a1', file: '2.reviewed_slices/repo_a/s.jsonl', line: 1, repo: 'repo_a' },
      ],
    ],
  );
  assert.match(String(dup[0]!['reason']), /^duplicate of slice "a1"/);
});

test('the daemon run again a week later (its clock a week ahead) does not send a duplicate of what it sent before', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const config = daemonTestConfig({ dedup: { enabled: true } });
  const week: Clock = {
    now: () => Date.now() + WEEK_MS,
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
  };
  const before = Date.now();
  const first = await startTestDaemon(t, { dataDir: dir, emulator, config });
  await inbox(dir, 'repo_a/monday.jsonl', [fn('a1', MERGE), fn('a2', OTHER)]);
  await waitFor('the first daemon sent a1 and a2', async () =>
    (await sent(dir)).length === 2 ? true : undefined,
  );
  await first.stop();
  const after = Date.now();

  const second = await startTestDaemon(t, { dataDir: dir, emulator, config, clock: week });
  await inbox(dir, 'repo_b/next-monday.jsonl', [
    fn('b1', MERGE_RECOMMENTED),
    fn('b2', MERGE_RENAMED_EDITED.replace('if n == 0:\n            continue\n        ', '')),
  ]);
  const report = await waitFor('the second daemon reported its duplicates', async () => {
    const r = await rejects(dir, 'repo_b/next-monday.jsonl');
    return r.length === 2 ? r : undefined;
  });
  await second.stop();
  assert.deepEqual(await sent(dir), ['scenario1_a1', 'scenario1_a2']);
  assert.deepEqual(
    report.map((r) => [r.id, r.code, r.duplicate_of?.id, r.duplicate_of?.repo]),
    [
      ['b1', 'duplicate', 'a1', 'repo_a'],
      ['b2', 'duplicate', 'a1', 'repo_a'],
    ],
  );
  // The slice kept was converted by the first daemon, on its clock.
  const at = Date.parse(/converted ([^)]+)\)/.exec(report[0]!.reason)![1]!);
  assert.ok(at >= Math.floor(before / 1000) * 1000 && at <= after, report[0]!.reason);
});

test('a store that is not a database is moved aside with a warning; conversion goes on', async (t) => {
  const dir = await tempDir(t);
  await inbox(dir, 'repo_a/s.jsonl', [fn('a1', MERGE), fn('a2', MERGE_RECOMMENTED)]);
  await mkdir(dirname(duplicateStorePath(dir)), { recursive: true });
  await writeFile(
    duplicateStorePath(dir),
    'not a database, but a text file of 64 bytes or so, long enough\n',
  );
  const capture = new Capture();
  const log = await createLogger({ level: 'warn', stream: capture });
  const status = await runCli(['status', '--json', '--data-dir', dir], { cwd: dir });
  assert.equal(status.code, 0, status.stderr);
  assert.equal(
    (JSON.parse(status.stdout) as { duplicates: { requests: number } }).duplicates.requests,
    0,
  );
  await convert(dir, undefined, { log });
  assert.deepEqual(await sent(dir), ['scenario1_a1']);
  const warned = capture
    .logRecords<{ msg: string; aside: string }>()
    .find((l) => l.aside !== undefined);
  assert.ok(warned !== undefined, capture.text);
  assert.match(
    warned.msg,
    /duplicates\.sqlite: not a readable duplicate store; moved to .*\.broken-\d+, a new store is started/,
  );
  assert.match(await readFile(warned.aside, 'utf8'), /^not a database/);
  assert.deepEqual(await storeRows(dir), [{ repo: 'repo_a', slice_id: 'a1', pending: 0 }]);
});

test("conversions with a keeper (the daemon's) read the store once; a failed run, or files moved aside, open it again", async (t) => {
  const dir = await tempDir(t);
  const keeper = createDuplicateStoreKeeper();
  t.after(() => keeper.close());
  const capture = new Capture();
  const log = await createLogger({ level: 'info', stream: capture });
  const run = (more: Partial<ConvertOptions> = {}) =>
    convert(dir, undefined, { log, duplicateStoreKeeper: keeper, ...more });
  /** The slices kept each time the store was opened (read from its files). */
  const opened = (): (number | undefined)[] =>
    capture
      .logRecords<{ msg: string; kept?: number }>()
      .filter((r) => r.msg.startsWith('opened the duplicate store'))
      .map((r) => r.kept);
  // SQLite keeps its write-ahead log beside the file while a connection is open.
  const open = (): Promise<boolean> =>
    stat(`${duplicateStorePath(dir)}-wal`).then(
      () => true,
      () => false,
    );

  await inbox(dir, 'repo_a/one.jsonl', [fn('a1', MERGE)]);
  await run();
  assert.deepEqual(opened(), [0]);
  assert.equal(await open(), true, 'kept open after the run');

  await inbox(dir, 'repo_a/two.jsonl', [fn('a2', MERGE_RECOMMENTED), fn('a3', OTHER)]);
  await run();
  assert.deepEqual(opened(), [0], 'the next run took it open');
  assert.deepEqual(await sent(dir), ['scenario1_a1', 'scenario1_a3']);
  assert.deepEqual(
    (await rejects(dir, 'repo_a/two.jsonl')).map((r) => [r.id, r.duplicate_of?.id]),
    [['a2', 'a1']],
  );

  // A run that fails closes it; the next one reads it again, and finds what was kept.
  await inbox(dir, 'repo_a/three.jsonl', [fn('a4', OTHER)]);
  const failing: ConvertHelpers = {
    ...inline,
    fingerprintCodes: () => Promise.reject(new Error('no fingerprints today')),
  };
  await assert.rejects(run({ helpers: failing }), /no fingerprints today/);
  await run();
  assert.deepEqual(opened(), [0, 2]);
  assert.deepEqual(
    (await rejects(dir, 'repo_a/three.jsonl')).map((r) => [r.id, r.duplicate_of?.id]),
    [['a4', 'a3']],
  );

  // Its files moved aside: a store is opened from what is there (none), and knows nothing: a2,
  // not sent before as a duplicate of a1, is sent now, and b1 is a duplicate of it.
  for (const f of duplicateStoreFiles(duplicateStorePath(dir))) await rename(f, `${f}.old`);
  await inbox(dir, 'repo_b/four.jsonl', [fn('b1', MERGE)]);
  await run();
  assert.deepEqual(opened(), [0, 2, 0]);
  assert.ok((await sent(dir)).includes('scenario1_a2'));
  assert.deepEqual(
    (await rejects(dir, 'repo_b/four.jsonl')).map((r) => [r.id, r.duplicate_of?.id]),
    [['b1', 'a2']],
  );

  keeper.close();
  assert.equal(await open(), false, 'closed with the keeper');
});

test('the daemon reads the store once for its intake runs, and closes it when it stops', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const config = daemonTestConfig({ dedup: { enabled: true } });
  const daemon = await startTestDaemon(t, { dataDir: dir, emulator, config });
  await inbox(dir, 'repo_a/first.jsonl', [fn('a1', MERGE)]);
  await waitFor('the daemon sent a1', async () =>
    (await sent(dir)).length === 1 ? true : undefined,
  );
  await inbox(dir, 'repo_a/second.jsonl', [fn('a2', OTHER), fn('a3', MERGE_RECOMMENTED)]);
  const report = await waitFor('the daemon took the second file', async () => {
    const r = await rejects(dir, 'repo_a/second.jsonl');
    return r.length === 1 ? r : undefined;
  });
  await daemon.stop();
  assert.deepEqual(
    report.map((r) => [r.id, r.duplicate_of?.id]),
    [['a3', 'a1']],
  );
  const opened = daemon.log
    .logRecords()
    .filter((r) => r.msg.startsWith('opened the duplicate store'));
  assert.equal(opened.length, 1, daemon.log.text);
  await assert.rejects(stat(`${duplicateStorePath(dir)}-wal`), { code: 'ENOENT' });
});
