/**
 * The help a newcomer reads: the steps are named after the original scripts they replace
 * (scenario_processor.py, batch_submitter.py, dataset_compiler.py), never by the internal
 * "seed step N".
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { COMMANDS } from '../../src/cli/main.ts';
import { runCli } from '../support/cli.ts';

const dir = await mkdtemp(join(tmpdir(), 'slicebatch-help-'));
after(() => rm(dir, { recursive: true, force: true }));

const ORIGINAL: Record<string, string> = {
  process: 'scenario_processor.py',
  submit: 'batch_submitter.py',
  compile: 'dataset_compiler.py',
};

test('slicebatch --help names the original scripts and never says "seed"', async () => {
  const help = await runCli(['--help'], { cwd: dir });
  assert.equal(help.code, 0);
  assert.doesNotMatch(help.stdout, /seed/i);
  for (const [command, script] of Object.entries(ORIGINAL)) {
    const line = help.stdout.split('\n').find((l) => l.trimStart().startsWith(`${command} `));
    assert.ok(line?.includes(script), `the line of ${command} names ${script}: ${line}`);
  }
});

test('each command --help: no "seed step"; process, submit, compile name their original script', async () => {
  for (const { name } of COMMANDS) {
    const help = await runCli([name, '--help'], { cwd: dir });
    assert.equal(help.code, 0, `${name} --help`);
    assert.doesNotMatch(help.stdout, /seed steps?\b/i, `${name} --help`);
    const script = ORIGINAL[name];
    if (script !== undefined)
      assert.ok(help.stdout.includes(script), `${name} --help names ${script}`);
  }
});
