/**
 * File names that attack the terminal: an escape sequence (one that clears the screen) and a
 * line break in an inbox file's name. `status` shows them escaped, on one line of its table.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { writeInbox } from '../support/dataset.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { tempDir } from '../support/temp-dir.ts';

test('status escapes control characters in file names: no escape sequence, no broken row', async (t) => {
  const data = await tempDir(t);
  const gen = createSliceGenerator({ repository: 'repo_n', seed: 21 });
  const evil = 'clear\u001b[2J\u001b[Hme\nsecond line\u0007\u009b.jsonl';
  await writeInbox(data, `repo_n/${evil}`, [gen.next(), gen.next()]);
  await writeInbox(data, 'repo_n/plain.jsonl', [gen.next()]);
  const processed = await runCli(['process', '--data-dir', data, '-q'], { cwd: data });
  assert.equal(processed.code, 0, processed.stderr);
  const r = await runCli(['status', '--data-dir', data], { cwd: data });
  assert.equal(r.code, 0, r.stderr);
  // No control character but the line breaks between rows.
  assert.doesNotMatch(r.stdout, /[^\P{Cc}\n]/u);
  const rows = r.stdout.split('\n').filter((l) => l.includes('repo_n/'));
  assert.equal(rows.length, 2, r.stdout);
  assert.ok(
    rows.some((l) => l.includes('repo_n/clear\\x1b[2J\\x1b[Hme\\nsecond line\\x07\\x9b.jsonl  ')),
    r.stdout,
  );
  assert.ok(
    rows.some((l) => /repo_n\/plain\.jsonl\s+1\s/.test(l)),
    r.stdout,
  );
});

test('an error naming a file prints it with its escape sequences shown, not run', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['config', 'check', '--config', 'bad\u001b[2Jname\u0007.json'], {
    cwd: dir,
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\\x1b\[2Jname\\x07\.json: file not found\n$/);
  // Errors keep their own line breaks (a config error lists one problem a line).
  assert.doesNotMatch(r.stderr, /[^\P{Cc}\n]/u);
});
