/**
 * The daemon's intake on a real folder with a real emulator: how files arrive (renamed in,
 * written slowly in place, there at start-up, under temporary names), files seen again (same
 * content, appended), and a burst of small files. Every slice must be sent exactly once.
 */
import { ManualClock, systemClock, type Clock } from '../../src/clock.ts';
import assert from 'node:assert/strict';
import {
  appendFile,
  copyFile,
  mkdir,
  readdir,
  readFile,
  rename,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { renameSync, writeFileSync } from 'node:fs';
import { fileTimestamp, isBatchInputName } from '../../src/domain/file-names.ts';
import { sliceCustomId } from '../../src/domain/custom-id.ts';
import { join } from 'node:path';
import { test } from 'node:test';
import { readJournal } from '../../src/storage/journal.ts';
import { INTAKE_FILE, type TakenRecord } from '../../src/intake/intake-log.ts';
import { createInboxWatcher, type InboxWatcher } from '../../src/intake/inbox-watcher.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { createCompileStep } from '../../src/daemon/compile-step.ts';
import { FILES_PER_RUN } from '../../src/daemon/intake-step.ts';
import { createLogger } from '../../src/log/logger.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { inlineHelpers, type ConvertHelpers } from '../../src/convert/helper-thread-client.ts';
import { tempDir } from '../support/temp-dir.ts';
import {
  daemonTestConfig,
  quickEmulator,
  sentCustomIds,
  startTestDaemon,
  type TestDaemon,
  waitFor,
} from '../support/daemon.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The base custom_ids sent (`scenario1_<id>`), failing on any sent twice. */
async function sentOnce(batchInputDir: string): Promise<Set<string>> {
  const ids = await sentCustomIds(batchInputDir);
  for (const [id, n] of ids) assert.equal(n, 1, `${id} sent ${n} times`);
  return new Set(ids.keys());
}

function customIds(slices: readonly { id: string; type: 'function' | 'class' }[]): string[] {
  return slices.map((s) => sliceCustomId(s));
}

async function takes(stateDir: string): Promise<TakenRecord[]> {
  return readJournal<TakenRecord>(join(stateDir, INTAKE_FILE));
}

/**
 * The intake journal once it holds `n` records: a file's take is recorded after its slices are
 * written, so a test that saw the slices sent waits for the record too.
 */
async function takesAtLeast(stateDir: string, n: number): Promise<TakenRecord[]> {
  return waitFor(`${n} takes recorded`, async () => {
    const r = await takes(stateDir);
    return r.length >= n ? r : undefined;
  });
}

test('a file renamed into the inbox is taken at once; its temporary name never is', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  // A long stability time: only the rename rule can take the file quickly.
  const config = daemonTestConfig({ daemon: { watch: { stable_ms: 60_000 } } });
  let watcher: InboxWatcher | undefined;
  const d = await startTestDaemon(t, {
    dataDir: dir,
    emulator,
    config,
    watcher: (options) => (watcher = createInboxWatcher(options)),
  });
  const gen = createSliceGenerator({ repository: 'repo_a' });
  const slices = Array.from({ length: 5 }, () => gen.next());
  const inbox = join(d.paths.reviewed, 'repo_a');
  await mkdir(inbox, { recursive: true });
  await writeFile(join(inbox, 'drop.jsonl.tmp'), jsonl(slices));
  await writeFile(join(inbox, '.hidden.jsonl'), jsonl([gen.next()]));
  await writeFile(join(inbox, 'upload.jsonl.part'), jsonl([gen.next()]));
  await writeFile(join(inbox, 'notes.txt'), 'not slices\n');
  await rename(join(inbox, 'drop.jsonl.tmp'), join(inbox, 'drop.jsonl'));
  const expected = customIds(slices);
  const sent = await waitFor('the renamed file converted', async () => {
    const ids = await sentOnce(d.paths.batchInput);
    return expected.every((id) => ids.has(id)) ? ids : undefined;
  });
  assert.deepEqual([...sent].sort(), [...expected].sort(), 'only the renamed file was taken');
  // A full rescan lists the other names again; then a file renamed in after it is taken: had
  // the rescan handed any other name over, it would have been taken first.
  await watcher!.rescan();
  await writeFile(join(inbox, 'after.jsonl.tmp'), jsonl([gen.next()]));
  await rename(join(inbox, 'after.jsonl.tmp'), join(inbox, 'after.jsonl'));
  const records = await waitFor('the file after the rescan taken', async () => {
    const r = await takes(d.paths.state);
    return r.some((x) => x.file === 'repo_a/after.jsonl') ? r : undefined;
  });
  assert.deepEqual(
    records.map((r) => r.file),
    ['repo_a/drop.jsonl', 'repo_a/after.jsonl'],
  );
});

test('files written and renamed in the same instant are taken at once too', async (t) => {
  // The temporary file never exists long enough to be listed, and on a coarse file clock the
  // renamed file's ctime equals its mtime: only the OS's events name the temporary file.
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const config = daemonTestConfig({ daemon: { watch: { stable_ms: 60_000 } } });
  const d = await startTestDaemon(t, { dataDir: dir, emulator, config });
  const gen = createSliceGenerator({ repository: 'repo_r', classRatio: 0 });
  const inbox = join(d.paths.reviewed, 'repo_r');
  await mkdir(inbox, { recursive: true });
  // The new folder watched: a first file renamed into it is taken (a rescan finds it too: its
  // mtime set back, its ctime is later, even when the watcher missed the rename, as it may
  // under load while it starts watching the new folder).
  await writeFile(join(inbox, 'first.jsonl.tmp'), jsonl([gen.next()]));
  const before = new Date(Date.now() - 10_000);
  await utimes(join(inbox, 'first.jsonl.tmp'), before, before);
  await rename(join(inbox, 'first.jsonl.tmp'), join(inbox, 'first.jsonl'));
  await waitFor('the first file taken', async () => (await takes(d.paths.state)).length === 1);
  for (let i = 0; i < 10; i++) {
    const slice = gen.next();
    const name = `quick_${i}.jsonl`;
    const temp = i % 2 === 0 ? `${name}.tmp` : `.${name}`;
    writeFileSync(join(inbox, temp), jsonl([slice]));
    renameSync(join(inbox, temp), join(inbox, name));
    const [id] = customIds([slice]);
    // Well before the 60 s stability time and before a rescan could have found it stable.
    await waitFor(
      `${name} converted`,
      async () => (await sentOnce(d.paths.batchInput)).has(id!),
      20_000,
    );
  }
  const records = await takesAtLeast(d.paths.state, 11);
  assert.equal(records.length, 11);
});

/**
 * Writes `slices` into the inbox in place, each line in two halves 150 ms apart; waits until
 * all are sent. The pauses are the pace of a slow writer outside the daemon (what the test is
 * about), not a wait for the daemon.
 */
async function writeSlowly(
  d: TestDaemon,
  slices: readonly { id: string; type: 'function' | 'class' }[],
): Promise<void> {
  const path = join(d.paths.reviewed, 'slow.jsonl');
  await writeFile(path, '');
  for (const s of slices) {
    const line = `${JSON.stringify(s)}\n`;
    const half = Math.floor(line.length / 2);
    await appendFile(path, line.slice(0, half));
    await sleep(150);
    await appendFile(path, line.slice(half));
    await sleep(150);
  }
  const expected = customIds(slices);
  await waitFor('the slow file converted', async () => {
    const ids = await sentOnce(d.paths.batchInput);
    return expected.every((id) => ids.has(id)) || undefined;
  });
}

test('a file written slowly in place is taken once complete, a half line never read', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const config = daemonTestConfig({ daemon: { watch: { stable_ms: 1500 } } });
  const d = await startTestDaemon(t, { dataDir: dir, emulator, config });
  const gen = createSliceGenerator({ repository: 'repo_b' });
  const slices = Array.from({ length: 6 }, () => gen.next());
  await writeSlowly(d, slices);
  const records = await takesAtLeast(d.paths.state, 1);
  assert.equal(records.length, 1, 'taken once, complete');
  assert.equal(records[0]!.converted, 6);
  assert.equal(records[0]!.rejected, 0, 'no half line was read');
  await assert.rejects(readFile(join(d.paths.batchInput, 'slow.rejects.jsonl')), {
    code: 'ENOENT',
  });
});

test('a daemon clock an hour ahead of the file system: file times are not trusted, a half line is still never read', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const config = daemonTestConfig({ daemon: { watch: { stable_ms: 1500 } } });
  const ahead: Clock = {
    now: () => Date.now() + 3_600_000,
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
  };
  const d = await startTestDaemon(t, { dataDir: dir, emulator, config, clock: ahead });
  const said = () =>
    d.log
      .logRecords<{ msg: string }>()
      .filter(
        (l) => Number(/file system clock and ours differ by (\d+) s/.exec(l.msg)?.[1]) >= 3598,
      );
  await waitFor('the clocks compared', () => said().length > 0);
  const gen = createSliceGenerator({ repository: 'repo_b' });
  const slices = Array.from({ length: 4 }, () => gen.next());
  await writeSlowly(d, slices);
  const records = await takesAtLeast(d.paths.state, 1);
  assert.equal(records.length, 1, 'taken once, complete');
  assert.equal(records[0]!.rejected, 0, 'no half line was read');
  assert.equal(said().length, 1, 'said once');
});

test('files already in the inbox at start-up are taken: old ones at once, fresh ones once stable', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const gen = createSliceGenerator({ repository: 'repo_c' });
  const old = Array.from({ length: 3 }, () => gen.next());
  const fresh = Array.from({ length: 3 }, () => gen.next());
  const inbox = join(dir, '2.reviewed_slices', 'repo_c');
  await mkdir(inbox, { recursive: true });
  await writeFile(join(inbox, 'old.jsonl'), jsonl(old));
  const hourAgo = new Date(Date.now() - 3600_000);
  await utimes(join(inbox, 'old.jsonl'), hourAgo, hourAgo);
  await writeFile(join(inbox, 'fresh.jsonl'), jsonl(fresh));
  const d = await startTestDaemon(t, { dataDir: dir, emulator });
  const expected = customIds([...old, ...fresh]);
  await waitFor('both start-up files converted', async () => {
    const ids = await sentOnce(d.paths.batchInput);
    return expected.every((id) => ids.has(id)) || undefined;
  });
  assert.deepEqual((await takesAtLeast(d.paths.state, 2)).map((r) => r.file).sort(), [
    'repo_c/fresh.jsonl',
    'repo_c/old.jsonl',
  ]);
});

test('the same content again is skipped; appended lines alone are read, bad ones reported', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const d = await startTestDaemon(t, { dataDir: dir, emulator });
  const gen = createSliceGenerator({ repository: 'repo_d' });
  const first = Array.from({ length: 4 }, () => gen.next());
  const inbox = join(d.paths.reviewed, 'repo_d');
  await mkdir(inbox, { recursive: true });
  const path = join(inbox, 'batch.jsonl');
  await writeFile(path, jsonl([...first, '{"not": "a slice"}']));
  await waitFor('the first take', async () => (await takes(d.paths.state)).length === 1);

  // The same file copied under another name, and the original touched: nothing new.
  await copyFile(path, join(inbox, 'batch-copy.jsonl'));
  const later = new Date(Date.now() + 5000);
  await utimes(path, later, later);
  await waitFor(
    'the copy and the touch looked at',
    async () => (await takes(d.paths.state)).length === 3,
  );
  const afterCopy = await sentOnce(d.paths.batchInput);
  assert.equal(afterCopy.size, 4);

  // A reviewer appends two slices and a line that is not JSON.
  const more = Array.from({ length: 2 }, () => gen.next());
  await appendFile(path, jsonl([more[0]!, 'not json', more[1]!]));
  const expected = customIds([...first, ...more]);
  await waitFor('the appended slices converted', async () => {
    const ids = await sentOnce(d.paths.batchInput);
    return expected.every((id) => ids.has(id)) || undefined;
  });
  const sent = await sentOnce(d.paths.batchInput);
  assert.equal(sent.size, 6, 'only the new slices were added');
  const records = await takesAtLeast(d.paths.state, 4);
  const last = records.at(-1)!;
  assert.equal(last.file, 'repo_d/batch.jsonl');
  assert.equal(last.converted, 2);
  assert.equal(last.already_converted, 0, 'the earlier lines were not read again');
  const report = (await readFile(join(d.paths.batchInput, 'repo_d', 'batch.rejects.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { line: number; code: string });
  assert.deepEqual(
    report.map((r) => [r.line, r.code]),
    [
      [5, 'missing_field'],
      [7, 'invalid_json'],
    ],
    'the report keeps the earlier bad line and adds the new one, numbered in the whole file',
  );

  // The reviewer rewrites the file (reorders it, drops the bad lines, adds a slice at the top),
  // and another file repeats two slices already sent: only the new slice is converted, and
  // the skipped ones are counted and said.
  const newest = gen.next();
  await writeFile(path, jsonl([newest, ...more, ...first.slice().reverse()]));
  await writeFile(join(inbox, 'again.jsonl'), jsonl([first[0]!, more[1]!]));
  const all = customIds([...first, ...more, newest]);
  await waitFor('the rewritten file converted', async () => {
    const ids = await sentOnce(d.paths.batchInput);
    return all.every((id) => ids.has(id)) || undefined;
  });
  assert.equal((await sentOnce(d.paths.batchInput)).size, 7, 'only the new slice was added');
  const byFile = new Map(
    (
      await waitFor('both files taken', async () => {
        const r = await takes(d.paths.state);
        return r.length >= records.length + 2 ? r : undefined;
      })
    ).map((r) => [r.file, r]),
  );
  const rewritten = byFile.get('repo_d/batch.jsonl')!;
  assert.deepEqual([rewritten.converted, rewritten.already_converted], [1, 6]);
  const again = byFile.get('repo_d/again.jsonl')!;
  assert.deepEqual([again.converted, again.already_converted], [0, 2]);
  // The take's record can be written before its log line: wait for the lines, then count.
  const sentLines = () =>
    d.log
      .logRecords<{ msg: string; alreadySent?: number }>()
      .filter((l) => (l.alreadySent ?? 0) > 0);
  const said = await waitFor('both takes said', () => {
    const lines = sentLines();
    return lines.reduce((n, l) => n + l.alreadySent!, 0) >= 8 ? lines : undefined;
  });
  assert.equal(
    said.reduce((n, l) => n + l.alreadySent!, 0),
    8,
  );
  assert.ok(
    said.every((l) => /sent already \(skipped\)/.test(l.msg)),
    said.map((l) => l.msg).join('\n'),
  );
});

test('a burst of 1,000 small files: every slice sent exactly once, in few batch input files', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const d = await startTestDaemon(t, { dataDir: dir, emulator });
  const gen = createSliceGenerator({ repository: 'repo_e' });
  const inbox = join(d.paths.reviewed, 'repo_e');
  await mkdir(inbox, { recursive: true });
  const expected: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const slice = gen.next();
    expected.push(...customIds([slice]));
    const name = `s${String(i).padStart(4, '0')}.jsonl`;
    await writeFile(join(inbox, `${name}.tmp`), jsonl([slice]));
    await rename(join(inbox, `${name}.tmp`), join(inbox, name));
  }
  await waitFor(
    'all 1,000 files converted',
    async () => {
      const ids = await sentOnce(d.paths.batchInput);
      return expected.every((id) => ids.has(id)) || undefined;
    },
    120_000,
  );
  const records = await waitFor('1,000 takes recorded', async () => {
    const r = await takes(d.paths.state);
    return r.length >= 1000 ? r : undefined;
  });
  assert.equal(new Set(records.map((r) => r.file)).size, 1000);
  assert.equal(records.length, 1000, 'each file taken once');
  const sent = await sentCustomIds(d.paths.batchInput);
  assert.equal(sent.size, 1000);
  const inputFiles = (await readdir(join(d.paths.batchInput, 'repo_e'))).filter(isBatchInputName);
  // Files found complete together are converted together: not one batch per file.
  assert.ok(inputFiles.length <= 100, `${inputFiles.length} batch input files for 1,000 slices`);
});

test('the polling backend (network mounts) takes files too', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const config = daemonTestConfig({
    daemon: { watch: { polling: true, polling_interval_ms: 100, rescan_ms: 60_000 } },
  });
  const d = await startTestDaemon(t, { dataDir: dir, emulator, config });
  const gen = createSliceGenerator({ repository: 'repo_p' });
  const slices = Array.from({ length: 3 }, () => gen.next());
  await mkdir(join(d.paths.reviewed, 'repo_p'), { recursive: true });
  await writeFile(join(d.paths.reviewed, 'repo_p', 'polled.jsonl'), jsonl(slices));
  const expected = customIds(slices);
  await waitFor('the polled file converted', async () => {
    const ids = await sentOnce(d.paths.batchInput);
    return expected.every((id) => ids.has(id)) || undefined;
  });
});

test('results are compiled into the dataset after downloads; only the newest sets are kept', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const config = daemonTestConfig({ compile: { keep_sets: 2 } });
  const paths = dataPaths(dir, '.');
  // The clock that names the sets: moved a second per burst, so each set has its own name.
  const compileClock = new ManualClock();
  const start = compileClock.now();
  const d = await startTestDaemon(t, {
    dataDir: dir,
    emulator,
    config,
    compile: createCompileStep({
      paths,
      config,
      log: await createLogger({ level: 'silent' }),
      clock: compileClock,
      keepSets: config.compile.keep_sets,
    }),
  });
  const gen = createSliceGenerator({ repository: 'repo_q' });
  await mkdir(join(d.paths.reviewed, 'repo_q'), { recursive: true });
  const sets = async () =>
    new Set(
      (await readdir(d.paths.finalOutput).catch(() => [] as string[]))
        .map((n) => /_(\d{8}_\d{6})\.(?:jsonl|json|md)$/.exec(n)?.[1])
        .filter((ts) => ts !== undefined),
    );
  const records = async (): Promise<number> => {
    const names = await readdir(d.paths.finalOutput).catch(() => [] as string[]);
    let n = 0;
    for (const prefix of ['train_dataset_', 'val_dataset_']) {
      const name = names
        .filter((x) => x.startsWith(prefix))
        .sort()
        .at(-1);
      if (name !== undefined)
        n += (await readFile(join(d.paths.finalOutput, name), 'utf8'))
          .split('\n')
          .filter(Boolean).length;
    }
    return n;
  };
  for (let burst = 1; burst <= 3; burst++) {
    if (burst > 1) compileClock.advance(1000); // this burst's compilations get another timestamp
    await writeFile(
      join(d.paths.reviewed, 'repo_q', `q${burst}.jsonl`),
      jsonl([gen.next(), gen.next()]),
    );
    await waitFor(
      `the dataset with burst ${burst}`,
      async () => (await records()) === 2 * burst || undefined,
    );
  }
  // The last set is published before the older ones are removed: the newest two are what stays.
  const newest = [1000, 2000].map((ms) => fileTimestamp(new Date(start + ms)));
  await waitFor('the older sets removed', async () => {
    const kept = [...(await sets())].sort();
    return JSON.stringify(kept) === JSON.stringify(newest) || undefined;
  });
});

test('a stop during a compilation interrupts it quietly; the next start compiles again', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  let started = 0;
  let interrupted = 0;
  const slowCompile = (signal: AbortSignal): Promise<void> => {
    started++;
    return new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => {
        interrupted++;
        reject(signal.reason as Error);
      });
    });
  };
  const first = await startTestDaemon(t, { dataDir: dir, emulator, compile: slowCompile });
  await waitFor('the compilation at start', () => started === 1);
  await first.stop();
  assert.equal(interrupted, 1, 'the stop aborted the compilation');
  const lines = first.log.logRecords();
  assert.ok(
    lines.some((l) => l.level === 30 && /compilation interrupted by the stop/.test(l.msg)),
    'said at info level',
  );
  assert.deepEqual(
    lines.filter((l) => l.level >= 50).map((l) => l.msg),
    [],
    'a stop is not an error',
  );
  let compiledAgain = false;
  await startTestDaemon(t, {
    dataDir: dir,
    emulator,
    compile: () => {
      compiledAgain = true;
      return Promise.resolve();
    },
  });
  await waitFor('the compilation at the next start', () => compiledAgain);
});

test('2,500 files already in the inbox are taken in runs of at most FILES_PER_RUN, each once', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const gen = createSliceGenerator({ repository: 'repo_m' });
  const inbox = join(dir, '2.reviewed_slices', 'repo_m');
  await mkdir(inbox, { recursive: true });
  const expected: string[] = [];
  const old = new Date(Date.now() - 3_600_000);
  for (let i = 0; i < 2500; i++) {
    const slice = gen.next();
    expected.push(...customIds([slice]));
    const path = join(inbox, `m${String(i).padStart(4, '0')}.jsonl`);
    await writeFile(path, jsonl([slice]));
    await utimes(path, old, old);
  }
  const d = await startTestDaemon(t, { dataDir: dir, emulator });
  const records = await waitFor(
    '2,500 takes recorded',
    async () => {
      const r = await takes(d.paths.state);
      return r.length >= 2500 ? r : undefined;
    },
    120_000,
  );
  assert.equal(new Set(records.map((r) => r.file)).size, 2500, 'each file taken once');
  const sent = await sentOnce(d.paths.batchInput);
  assert.deepEqual([...sent].sort(), [...expected].sort());
  // A run's takes are recorded before its log line is written: wait for the lines of every run.
  const runs = await waitFor('the log lines of the runs that took the 2,500 files', () => {
    const files = d.log
      .logRecords<{ msg: string; files?: number }>()
      .filter((l) => l.msg.startsWith('took ') && l.files !== undefined)
      .map((l) => l.files!);
    return files.reduce((a, b) => a + b, 0) >= 2500 ? files : undefined;
  });
  assert.ok(runs.length >= 3, `${runs.length} runs`);
  assert.ok(
    runs.every((n) => n <= FILES_PER_RUN),
    `runs of ${runs.join(', ')} files`,
  );
  assert.equal(
    runs.reduce((a, b) => a + b, 0),
    2500,
  );
});

test('the helper thread stopped: the daemon starts a new one, and the files are converted, not taken for unreadable', async (t) => {
  const dir = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  let made = 0;
  // The first helpers' thread stops at their first count (as when it runs out of memory).
  const helpers = (): ConvertHelpers => {
    const h = inlineHelpers();
    if (made++ > 0) return h;
    let failed: Error | undefined;
    return {
      ...h,
      get failed() {
        return failed;
      },
      countTexts() {
        failed = new Error('helper thread stopped (exit 1)');
        return Promise.reject(failed);
      },
    };
  };
  const daemon = await startTestDaemon(t, { dataDir: dir, emulator, helpers });
  const inbox = join(dir, '2.reviewed_slices', 'repo_a');
  await mkdir(inbox, { recursive: true });
  await writeFile(
    join(inbox, 's.jsonl'),
    jsonl([functionSlice({ id: 'h1' }), functionSlice({ id: 'h2' })]),
  );
  await waitFor('both slices sent', async () => {
    const sent = await sentCustomIds(join(dir, '3.batch_input'));
    return sent.size === 2 ? true : undefined;
  });
  await daemon.stop();
  const records = daemon.log.logRecords();
  assert.ok(
    records.some((r) =>
      /helper thread stopped \(helper thread stopped \(exit 1\)\); a new one is started/.test(
        r.msg,
      ),
    ),
    daemon.log.text,
  );
  assert.ok(!records.some((r) => r.msg.startsWith('cannot take')), daemon.log.text);
  assert.equal(made, 2);
});
