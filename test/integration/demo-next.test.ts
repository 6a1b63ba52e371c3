/**
 * The commands `npm run demo` suggests at its end work as printed, from a checkout after the
 * demo: status of the demo folder, the estimate of the sample, the sample into the inbox, the
 * key read into the environment, and the daemon run with that key (here against an emulator
 * given as OPENAI_BASE_URL, with --once added so that it ends).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { nextSteps } from '../../scripts/demo-next.ts';
import { runCli } from '../support/cli.ts';
import { quickEmulator } from '../support/daemon.ts';
import { tempDir } from '../support/temp-dir.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const SLICES = 10; // examples/reviewed_slices/repo_inventory/code_slices.jsonl

test('every command the demo suggests next runs as printed', async (t) => {
  // A checkout after `npm run demo`: examples/, the stage folders of data/, the demo's folder.
  const cwd = await tempDir(t);
  await cp(join(repoRoot, 'examples'), join(cwd, 'examples'), { recursive: true });
  for (const stage of ['2.reviewed_slices', '3.batch_input', '4.batch_output', '5.final_output'])
    await mkdir(join(cwd, 'data', stage), { recursive: true });
  await cp(join(cwd, 'examples', 'reviewed_slices'), join(cwd, 'demo', '2.reviewed_slices'), {
    recursive: true,
  });
  // Fast polling for the run with a key (the emulator's batches end in about a second).
  await writeFile(join(cwd, 'config.json'), JSON.stringify({ poll_schedule: '* * * * * *' }));
  const demo = await runCli(['run', '--emulator', '--once', '--data-dir', 'demo'], {
    cwd,
    env: {},
  });
  assert.equal(demo.code, 0, demo.stderr);

  const { emulator, batchesPerInput } = await quickEmulator(t);
  const key = 'sk-test-demo-next';
  const steps = nextSteps('demo');
  const seen: string[] = [];
  for (const { command } of steps) {
    if (command.startsWith('npx slicebatch ')) {
      const argv = command.slice('npx slicebatch '.length).split(' ');
      const name = argv[0] ?? '';
      seen.push(name);
      if (name === 'run') {
        const env = { OPENAI_API_KEY: key, OPENAI_BASE_URL: emulator.url };
        const r = await runCli([...argv, '--once'], { cwd, env });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /the API accepted the key/);
        assert.equal(batchesPerInput.size, 2, 'one batch per scenario, sent to OPENAI_BASE_URL');
        const final = await readdir(join(cwd, 'data', '5.final_output'));
        assert.ok(
          final.some((f) => f.startsWith('train_dataset_')),
          final.join(', '),
        );
        continue;
      }
      const r = await runCli(argv, { cwd, env: {} });
      assert.equal(r.code, 0, `${command}: ${r.stderr}`);
      // status: the demo's input file, its slices all sent and with results; estimate: all of them.
      const counts = name === 'status' ? [SLICES, 0, SLICES, SLICES] : [SLICES];
      const label = name === 'status' ? 'code_slices\\.jsonl' : 'total';
      assert.match(r.stdout, new RegExp(`${label}\\s+${counts.join('\\s+')}\\s`), command);
      continue;
    }
    // A shell line: run by bash in the checkout, the key given on stdin as typed; the script
    // checks what the line leaves in the environment.
    seen.push(command.split(' ')[0] ?? '');
    const r = spawnSync('bash', ['-euc', `${command}\nprintf '%s' "\${OPENAI_API_KEY:-}"`], {
      cwd,
      input: `${key}\n`,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '' },
    });
    assert.equal(r.status, 0, `${command}: ${r.stderr}`);
    if (command.startsWith('read ')) assert.equal(r.stdout, key);
  }
  assert.deepEqual(seen, ['status', 'estimate', 'cp', 'read', 'run']);
  const inbox = await readdir(join(cwd, 'data', '2.reviewed_slices', 'repo_inventory'));
  assert.deepEqual(inbox, ['code_slices.jsonl']);
});
