import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateSlicesJsonl } from '../support/slice-generator.ts';
import { tempDir } from '../support/temp-dir.ts';

const SURVEY = join(import.meta.dirname, '../../bench/tokenizer-survey.ts');

/** The survey's table row for one candidate, cell by cell. */
function row(out: string, name: string): string[] {
  const line = out.split('\n').find((l) => l.startsWith(`| ${name} |`));
  assert.ok(line !== undefined, `no row for ${name} in:\n${out}`);
  return line.split('|').map((c) => c.trim());
}

test('the tokenizer survey skips what is not installed, and tells a wrong count from an exact one', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'code_slices.jsonl');
  await writeFile(file, generateSlicesJsonl(150));
  // A stand-in "tiktoken" that counts characters, not tokens: the survey must catch it.
  const fake = join(dir, 'from', 'node_modules', 'tiktoken');
  await mkdir(fake, { recursive: true });
  await writeFile(join(fake, 'package.json'), '{"name":"tiktoken","main":"index.js"}');
  await writeFile(
    join(fake, 'index.js'),
    'exports.get_encoding = () => ({ encode_ordinary: (t) => ({ length: t.length }) });',
  );
  const r = spawnSync(
    process.execPath,
    [SURVEY, '--from', join(dir, 'from'), '--file', file, '--mb', '1', '--runs', '1'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /skipped @anysphere\/tiktoken-node: not installed/);
  assert.match(r.stdout, /skipped tiktoken-node: no o200k_base/);
  assert.match(r.stdout, /no HF tokenizer definition/);
  // The project's counter agrees with gpt-tokenizer on every text; the stand-in on none.
  const ours = row(r.stdout, 'this project (createTokenCounter)');
  assert.equal(ours[6], '0 (0 tokens)');
  const fakeRow = row(r.stdout, 'tiktoken');
  const differ = Number(/^(\d+) /.exec(fakeRow[6]!)?.[1]);
  assert.ok(differ > 250, `texts counted differently: ${fakeRow[6]}`);
  assert.ok(Number(fakeRow[3]) > 0, 'a first-pass speed');
});
