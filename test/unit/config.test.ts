import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { configSchemaText, exampleConfigText } from '../../src/config/example.ts';
import { loadConfig, parseConfig } from '../../src/config/load.ts';
import { DEFAULT_PRICES } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/errors.ts';
import { tempDir } from '../support/temp-dir.ts';

const repoRoot = join(import.meta.dirname, '..', '..');

function configError(raw: unknown): ConfigError {
  try {
    parseConfig(raw, 'config.json');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: every key has its documented default', () => {
  const c = parseConfig({}, 'defaults');
  assert.equal(c.model, 'gpt-4o-mini');
  assert.equal(c.data_dir, 'data');
  assert.equal(c.poll_schedule, '*/5 * * * *');
  assert.equal(c.limits.max_requests_per_file, 50000);
  assert.equal(c.limits.max_bytes_per_file, 190000000);
  assert.equal(c.limits.enqueued_tokens, undefined);
  assert.deepEqual(c.retry, {
    max_attempts: 3,
    length_budget_factor: 2,
    max_completion_tokens_cap: 32_768,
    missing_output_wait_ms: 3_600_000,
    submit_rounds: 3,
    download_refusals: 3,
    download_interruptions: 30,
  });
  const own = parseConfig({ retry: { max_attempts: 1 } }, 'retry');
  assert.equal(own.retry.submit_rounds, 3, 'request attempts do not limit submission rounds');
  assert.deepEqual(c.compile, {
    format: 'alpaca',
    train_ratio: 0.8,
    seed: 42,
    keep_sets: 3,
    parquet: false,
    license: 'unknown',
    fine_tuning_model: 'gpt-4o-mini-2024-07-18',
  });
  assert.equal(c.remote_cleanup, true);
  assert.deepEqual(c.prices['gpt-4o-mini'], DEFAULT_PRICES['gpt-4o-mini']);
  assert.equal(c.scenarios.scenario1.response_format, 'json_schema');
  assert.equal(c.scenarios.scenario2.requirements.length, 5);
});

test('the flat form and the original nested form give the same settings', () => {
  const flat = parseConfig(
    { api_key: 'sk-flat-0000', organization_id: 'org-1', model: 'gpt-5-nano' },
    'f',
  );
  const nested = parseConfig(
    { openai: { api_key: 'sk-flat-0000', organization_id: 'org-1', model: 'gpt-5-nano' } },
    'n',
  );
  assert.deepEqual(nested, flat);
  assert.equal(nested.model, 'gpt-5-nano');
});

test('a key set in both forms is an error naming it', () => {
  const err = configError({ api_key: 'a-key-1', openai: { api_key: 'a-key-2' } });
  assert.match(
    err.message,
    /config\.json: "openai\.api_key": set both here and at the top level \("api_key"\)/,
  );
});

test('unknown keys are named with their path', () => {
  const err = configError({ modle: 'x', limits: { max_request_per_file: 3 } });
  assert.match(err.message, /config\.json: unknown key "modle"/);
  assert.match(err.message, /config\.json: unknown key "limits\.max_request_per_file"/);
});

test('wrong types and bad values are named with the key and the problem', () => {
  const cases: [unknown, RegExp][] = [
    [
      { limits: { max_requests_per_file: '100' } },
      /"limits\.max_requests_per_file": Invalid input: expected number, received string/,
    ],
    [
      { limits: { max_requests_per_file: 50001 } },
      /"limits\.max_requests_per_file": 50001 is more than provider openai takes in one batch \(50000\)/,
    ],
    [{ limits: { max_requests_per_file: 100_001 } }, /"limits\.max_requests_per_file": Too big/],
    [
      { limits: { enqueued_tokens: { 'gpt-4o-mini': -1 } } },
      /"limits\.enqueued_tokens\.gpt-4o-mini": Too small/,
    ],
    [{ poll_schedule: 'every minute' }, /"poll_schedule": not a valid cron expression/],
    [{ base_url: 'not a url' }, /"base_url": not an http:\/\/ or https:\/\/ URL/],
    [{ compile: { train_ratio: 1.5 } }, /"compile\.train_ratio": Too big/],
    [
      { scenarios: { scenario1: { prompt_template: 'Explain {{code}} of {{colour}}' } } },
      /"scenarios\.scenario1\.prompt_template": unknown placeholder \{\{colour\}\}/,
    ],
    [
      { scenarios: { scenario2: { requirements: [] } } },
      /"scenarios\.scenario2\.requirements": Too small/,
    ],
    [{ remote_cleanup: 'yes' }, /"remote_cleanup": Invalid input: expected boolean/],
  ];
  for (const [raw, pattern] of cases) assert.match(configError(raw).message, pattern);
});

test('null means unset for optional keys', () => {
  const c = parseConfig({ api_key: null, limits: { max_cost_usd: null } }, 'x');
  assert.equal(c.api_key, undefined);
  assert.equal(c.limits.max_cost_usd, undefined);
});

test('configured prices are merged over the built-in table', () => {
  const c = parseConfig({ prices: { 'my-model': { input: 1, output: 2 } } }, 'x');
  assert.deepEqual(c.prices['my-model'], { input: 1, output: 2 });
  assert.deepEqual(c.prices['gpt-4o-mini'], DEFAULT_PRICES['gpt-4o-mini']);
});

test('loadConfig: file < environment < flags; missing default file is fine', async (t) => {
  const dir = await tempDir(t);
  const none = await loadConfig({ cwd: dir, env: {} });
  assert.equal(none.file, undefined);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ api_key: 'sk-file-key-1', data_dir: 'd1', base_url: 'http://a.example/v1' }),
  );
  const loaded = await loadConfig({
    cwd: dir,
    env: { OPENAI_API_KEY: 'sk-env-key-2', OPENAI_BASE_URL: '', OPENAI_ORG_ID: 'org-env' },
    overrides: { data_dir: 'd2' },
  });
  assert.equal(loaded.file, join(dir, 'config.json'));
  assert.equal(loaded.config.api_key, 'sk-env-key-2');
  assert.equal(
    loaded.config.base_url,
    'http://a.example/v1',
    'an empty variable does not override',
  );
  assert.equal(loaded.config.organization_id, 'org-env');
  assert.equal(loaded.config.data_dir, 'd2');
});

test('loadConfig errors name the file or the variable', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(loadConfig({ cwd: dir, env: {}, configPath: 'nope.json' }), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /nope\.json: file not found/);
    return true;
  });
  await writeFile(join(dir, 'bad.json'), '{"model": "x",}');
  await assert.rejects(
    loadConfig({ cwd: dir, env: {}, configPath: 'bad.json' }),
    /bad\.json: not valid JSON/,
  );
  await assert.rejects(
    loadConfig({ cwd: dir, env: { OPENAI_BASE_URL: 'nowhere' } }),
    /environment variable OPENAI_BASE_URL: not an http:\/\/ or https:\/\/ URL/,
  );
});

test('config.example.json and config.schema.json are the generated ones, and the example is valid', async () => {
  assert.equal(await readFile(join(repoRoot, 'config.example.json'), 'utf8'), exampleConfigText());
  assert.equal(await readFile(join(repoRoot, 'config.schema.json'), 'utf8'), configSchemaText());
  const parsed = parseConfig(JSON.parse(exampleConfigText()), 'config.example.json');
  const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
  assert.deepEqual(plain(parsed), plain(parseConfig({}, 'defaults')));
});
