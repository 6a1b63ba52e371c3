import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { inboxPathProblem, listFiles, type ListingProblem } from '../../src/storage/list-files.ts';
import { daemonUser, handTo, MAIN, NODE_FLAGS } from '../support/daemon-process.ts';
import { quickEmulator, sentCustomIds, startTestDaemon, waitFor } from '../support/daemon.ts';
import { functionSlice, jsonl } from '../support/slices.ts';
import { deferCleanup, tempDir } from '../support/temp-dir.ts';

const DENY_FOLDER = fileURLToPath(new URL('../support/deny-folder.ts', import.meta.url));

test('inbox walking: loops and links leading outside are skipped and said; links inside are not listed twice', async (t) => {
  const root = await tempDir(t);
  const inbox = join(root, 'inbox');
  const outside = join(root, 'outside');
  await mkdir(join(inbox, 'r'), { recursive: true });
  await mkdir(join(inbox, 's'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(inbox, 'r', 'a.jsonl'), '{}\n');
  await writeFile(join(inbox, 's', 'b.jsonl'), '{}\n');
  await writeFile(join(outside, 'c.jsonl'), '{}\n');
  await writeFile(join(root, 'passwd'), 'root:x:0:0\n');
  await symlink('..', join(inbox, 'r', 'up')); // a loop
  await symlink('../s', join(inbox, 'r', 'sib')); // a folder listed anyway
  await symlink(outside, join(inbox, 'out')); // a folder outside
  await symlink(join(root, 'passwd'), join(inbox, 'r', 'pw.jsonl')); // a file outside
  await symlink('a.jsonl', join(inbox, 'r', 'in.jsonl')); // a file inside: kept
  await symlink('nowhere', join(inbox, 'r', 'dangling.jsonl'));

  const problems: ListingProblem[] = [];
  const files = await listFiles(inbox, (rel) => rel.endsWith('.jsonl'), {
    onProblem: (p) => problems.push(p),
  });
  assert.deepEqual(
    files.map((f) => f.rel),
    ['r/a.jsonl', 'r/in.jsonl', 's/b.jsonl'],
  );
  assert.deepEqual(problems.map((p) => `${p.kind} ${p.rel}`).sort(), [
    'loop r/sib',
    'loop r/up',
    'outside out',
    'outside r/pw.jsonl',
  ]);
  // Without a taker of problems, the same listing (they are skipped all the same).
  assert.deepEqual(
    (await listFiles(inbox, (rel) => rel.endsWith('.jsonl'))).map((f) => f.rel),
    ['r/a.jsonl', 'r/in.jsonl', 's/b.jsonl'],
  );
  // A path from the watcher's events is checked the same way.
  assert.equal((await inboxPathProblem(inbox, 'r/pw.jsonl'))?.kind, 'outside');
  assert.deepEqual(
    [
      (await inboxPathProblem(inbox, 'r/up/r/a.jsonl'))?.kind,
      (await inboxPathProblem(inbox, 'r/up/r/a.jsonl'))?.rel,
    ],
    ['loop', 'r/up'],
  );
  assert.equal((await inboxPathProblem(inbox, 'out/c.jsonl'))?.kind, 'outside');
  assert.equal(await inboxPathProblem(inbox, 'r/a.jsonl'), undefined);
  assert.equal(await inboxPathProblem(inbox, 'r/in.jsonl'), undefined);
  // The root may itself be a link.
  await symlink(inbox, join(root, 'inbox-link'));
  assert.deepEqual(
    (await listFiles(join(root, 'inbox-link'), (rel) => rel.endsWith('.jsonl'))).map((f) => f.rel),
    ['r/a.jsonl', 'r/in.jsonl', 's/b.jsonl'],
  );
});

test('one unreadable inbox folder stays its own problem: run, status and compile work and name it', async (t) => {
  const user = daemonUser();
  // Root reads any folder: the commands run as an unprivileged user, as the unit's would; as
  // root where no such user can run the code (a private checkout), the refusal is injected.
  const inject = user === undefined && process.getuid?.() === 0;
  const root = await tempDir(t);
  const data = join(root, 'data');
  const inbox = join(data, '2.reviewed_slices');
  await mkdir(join(inbox, 'r1'), { recursive: true });
  await mkdir(join(inbox, 'r2'), { recursive: true });
  const slices = (prefix: string) =>
    jsonl([1, 2, 3].map((i) => functionSlice({ id: `${prefix}_${i}` })));
  await writeFile(join(inbox, 'r1', 'a.jsonl'), slices('one'));
  await writeFile(join(inbox, 'r2', 'b.jsonl'), slices('two'));
  await writeFile(
    join(root, 'config.json'),
    JSON.stringify({
      submit: { retry_base_ms: 5, requeue_base_ms: 1, requeue_cap_ms: 5 },
      daemon: { heartbeat_ms: 200, compile_debounce_ms: 200, watch: { stable_ms: 300 } },
    }),
  );
  for (const p of [root, data, inbox, join(inbox, 'r1'), join(inbox, 'r2')]) await handTo(user, p);
  await handTo(user, join(inbox, 'r1', 'a.jsonl'), join(inbox, 'r2', 'b.jsonl'));
  await chmod(join(inbox, 'r2'), 0o000);
  deferCleanup(t, () => chmod(join(inbox, 'r2'), 0o755));
  const deny = inject ? ['--import', DENY_FOLDER] : [];
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [...NODE_FLAGS, ...deny, MAIN, ...args], {
      cwd: root,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        ...(inject ? { SLICEBATCH_TEST_DENY: join(inbox, 'r2') } : {}),
      },
      encoding: 'utf8',
      timeout: 120_000,
      ...(user ?? {}),
    });

  const run = cli('run', '--emulator', '--once');
  assert.match(run.stderr, /r2: cannot be read \(EACCES\)/, run.stderr);
  // Everything readable went through: r1's three slices are in the dataset.
  const final = await readdir(join(data, '5.final_output'), { recursive: true });
  const processed = final.filter((f) => /^r1[\\/]scenario1_processed_/.test(f));
  assert.equal(processed.length, 1, final.join(', '));
  const records = (await readFile(join(data, '5.final_output', processed[0]!), 'utf8'))
    .split('\n')
    .filter(Boolean);
  assert.equal(records.length, 3);
  assert.equal(run.status, 1, 'a folder that cannot be read is something not finished');
  assert.match(run.stdout + run.stderr, /inbox folder r2: not read \(r2: cannot be read/);

  const status = cli('status', '--json');
  assert.equal(status.status, 0, status.stderr);
  const report = JSON.parse(status.stdout) as { attention: { kind: string; message: string }[] };
  assert.ok(
    report.attention.some((a) => a.kind === 'inbox_unreadable' && /r2/.test(a.message)),
    status.stdout,
  );

  const compile = cli('compile');
  assert.equal(compile.status, 0, compile.stderr);
  assert.match(compile.stdout, /Compiled 3 records/);
  assert.match(compile.stdout, /Not compiled: inbox folder r2 cannot be read \(EACCES\)/);
});

test('the daemon takes no file through a link out of the inbox or round a loop, and says so once', async (t) => {
  const root = await tempDir(t);
  const { emulator } = await quickEmulator(t);
  const d = await startTestDaemon(t, { dataDir: join(root, 'data'), emulator });
  const outside = join(root, 'elsewhere.jsonl');
  await writeFile(outside, jsonl([functionSlice({ id: 'leaked' })]));
  const repo = join(d.paths.reviewed, 'r');
  await mkdir(repo, { recursive: true });
  await symlink(outside, join(repo, 'leak.jsonl'));
  await symlink('..', join(repo, 'up'));
  await writeFile(join(repo, 'a.jsonl'), jsonl([functionSlice({ id: 'inside' })]));
  await waitFor('the inbox file sent', async () =>
    (await sentCustomIds(d.paths.batchInput)).has('scenario1_inside'),
  );
  assert.deepEqual([...(await sentCustomIds(d.paths.batchInput)).keys()], ['scenario1_inside']);
  const said = (rel: string) =>
    d.log.logRecords<{ msg: string }>().filter((l) => l.msg.startsWith(`inbox: ${rel}:`));
  await waitFor('the skips said', () => said('r/leak.jsonl').length > 0 && said('r/up').length > 0);
  assert.match(said('r/leak.jsonl')[0]!.msg, /a link leading outside the folder/);
  assert.match(said('r/up')[0]!.msg, /a link to a folder that is listed anyway/);
  assert.equal(said('r/leak.jsonl').length, 1, 'said once');
  assert.equal(said('r/up').length, 1, 'said once');
});
