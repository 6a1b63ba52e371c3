/**
 * `slicebatch run --emulator --once --provider X`: the daemon against the built-in emulator
 * speaking that provider's API, end to end through the CLI, to a dataset; the job files name
 * the provider, and a provider with no adapter yet is a config error (exit 2).
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { checkInvariant } from '../support/pipeline.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { jsonl } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

const FAST = {
  submit: { retry_base_ms: 5, requests_per_minute: 60_000 },
  daemon: { heartbeat_ms: 200, compile_debounce_ms: 200, watch: { stable_ms: 300 } },
  azure: { deployments: { 'gpt-4o-mini': 'mini-global-batch' } },
  openai_compatible: { profile: 'groq', models: { 'gpt-4o-mini': 'llama-3.1-8b-instant' } },
};

for (const provider of ['azure', 'openai_compatible']) {
  test(`run --emulator --once --provider ${provider}: every slice to the dataset`, async (t) => {
    const dir = await tempDir(t);
    const gen = createSliceGenerator({ repository: 'repo_c' });
    await mkdir(join(dir, 'data', '2.reviewed_slices', 'repo_c'), { recursive: true });
    await writeFile(
      join(dir, 'data', '2.reviewed_slices', 'repo_c', 'a.jsonl'),
      jsonl(Array.from({ length: 8 }, () => gen.next())),
    );
    await writeFile(join(dir, 'config.json'), JSON.stringify(FAST));
    const run = await runCli(['run', '--emulator', '--once', '--provider', provider], {
      cwd: dir,
      env: {},
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`serves the Batch API \\(${provider}\\)`));
    assert.equal((await checkInvariant(join(dir, 'data'))).usable, 8);
    const out = join(dir, 'data', '4.batch_output', 'repo_c');
    const jobs = (await readdir(out)).filter((n) => n.startsWith('batch_job_'));
    assert.ok(jobs.length > 0);
    for (const name of jobs) {
      assert.equal(JSON.parse(await readFile(join(out, name), 'utf8')).provider, provider);
    }
  });
}

test('run --provider with a name that is no provider: exit 2 naming the choices', async (t) => {
  const dir = await tempDir(t);
  const bad = await runCli(['run', '--emulator', '--once', '--provider', 'bedrock'], {
    cwd: dir,
    env: {},
  });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--provider: one of openai, azure, openai_compatible, anthropic/);
});
