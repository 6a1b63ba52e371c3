/**
 * The Anthropic adapter and its SDK are loaded only by a process that calls it: the daemon's and
 * `submit`'s modules, and an adapter built for another provider, load neither (they were loaded
 * by every daemon, about 15 MB of its resident memory); an Anthropic adapter built from the
 * configuration loads them at its first call.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const root = join(import.meta.dirname, '..', '..');

/** Runs `body` (module code) in a fresh process that records every module it loads. */
async function modulesLoadedBy(body: string): Promise<Record<string, string[]>> {
  const code = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const marks = {};
    const mark = (name) => { marks[name] = loaded.filter((u) => /anthropic/.test(u)).map((u) => u.replace(/^.*node_modules\\//, '').replace(/^.*\\/src\\//, 'src/')); };
    ${body}
    console.log(JSON.stringify(marks));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', code],
    { cwd: root },
  );
  return JSON.parse(stdout) as Record<string, string[]>;
}

const isSdk = (u: string): boolean => u.startsWith('@anthropic-ai/sdk');
const isAdapter = (u: string): boolean => u === 'src/anthropic/anthropic-batch-api.ts';

test('the daemon and submit load neither the Anthropic adapter nor its SDK; an Anthropic adapter loads them at its first call', async (t) => {
  const state = await mkdtemp(join(tmpdir(), 'slicebatch-lazy-'));
  t.after(() => rm(state, { recursive: true, force: true }));
  const marks = await modulesLoadedBy(`
    await import('./src/cli/commands/run.ts');
    await import('./src/cli/commands/submit.ts');
    const { parseConfig } = await import('./src/config/load.ts');
    const { batchApiForConfig } = await import('./src/providers/batch-api-for-provider.ts');
    batchApiForConfig(parseConfig({ api_key: 'sk-test' }, 'config.json'));
    mark('openai');
    const api = batchApiForConfig(
      parseConfig({ provider: 'anthropic', anthropic: { api_key: 'sk-ant-test', base_url: 'http://127.0.0.1:9' } }, 'config.json'),
      ${JSON.stringify(state)},
    );
    mark('built');
    await api.retrieveBatch('msgbatch_x', { signal: AbortSignal.abort() }).catch(() => undefined);
    mark('called');
  `);
  assert.deepEqual(
    marks['openai']!.filter((u) => isSdk(u) || isAdapter(u)),
    [],
  );
  assert.deepEqual(
    marks['built']!.filter((u) => isSdk(u) || isAdapter(u)),
    [],
  );
  assert.ok(marks['called']!.some(isAdapter), marks['called']!.join('\n'));
  assert.ok(marks['called']!.some(isSdk), marks['called']!.join('\n'));
});
