/**
 * The API key from a file: OPENAI_API_KEY > OPENAI_API_KEY_FILE > api_key_file >
 * $CREDENTIALS_DIRECTORY/openai_api_key > api_key, and errors that name the file, never the key.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { daemonUser, MAIN } from '../support/daemon-process.ts';
import { tempDir } from '../support/temp-dir.ts';

const KEYS = {
  env: 'sk-from-env-var-0001',
  envFile: 'sk-from-env-file-0002',
  configFile: 'sk-from-config-file-0003',
  credential: 'sk-from-credential-0004',
  config: 'sk-from-config-0005',
} as const;

/** A folder with every source of a key present: one file per source and a config.json. */
async function everySource(t: Parameters<typeof tempDir>[0]) {
  const dir = await tempDir(t);
  const credentials = join(dir, 'credentials');
  await mkdir(credentials);
  await writeFile(join(dir, 'env.key'), `${KEYS.envFile}\n`);
  await writeFile(join(dir, 'config.key'), `${KEYS.configFile}\n`);
  await writeFile(join(credentials, 'openai_api_key'), KEYS.credential);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ api_key: KEYS.config, api_key_file: 'config.key' }),
  );
  const env = {
    OPENAI_API_KEY: KEYS.env,
    OPENAI_API_KEY_FILE: join(dir, 'env.key'),
    CREDENTIALS_DIRECTORY: credentials,
  };
  return { dir, credentials, env };
}

async function keyOf(cwd: string, env: Record<string, string | undefined>, configPath?: string) {
  return (await loadConfig({ cwd, env, configPath })).config.api_key;
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('precedence: env key > env file > config file > systemd credential > config key', async (t) => {
  const { dir, env } = await everySource(t);
  assert.equal(await keyOf(dir, env), KEYS.env);
  assert.equal(await keyOf(dir, { ...env, OPENAI_API_KEY: '' }), KEYS.envFile, 'empty = unset');
  assert.equal(await keyOf(dir, { ...env, OPENAI_API_KEY: undefined }), KEYS.envFile);
  const noEnv = { CREDENTIALS_DIRECTORY: env.CREDENTIALS_DIRECTORY };
  assert.equal(await keyOf(dir, noEnv), KEYS.configFile, 'relative to the working directory');
  await writeFile(join(dir, 'only-key.json'), JSON.stringify({ api_key: KEYS.config }));
  assert.equal(await keyOf(dir, noEnv, 'only-key.json'), KEYS.credential);
  assert.equal(await keyOf(dir, {}, 'only-key.json'), KEYS.config);
});

test('the nested form of api_key_file works too', async (t) => {
  const { dir } = await everySource(t);
  await writeFile(
    join(dir, 'nested.json'),
    JSON.stringify({ openai: { api_key_file: join(dir, 'config.key') } }),
  );
  assert.equal(await keyOf(dir, {}, 'nested.json'), KEYS.configFile);
});

test('a lower source is not read when a higher one is set', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ api_key_file: 'missing.key' }));
  assert.equal(await keyOf(dir, { OPENAI_API_KEY: KEYS.env }), KEYS.env);
  await writeFile(join(dir, 'env.key'), KEYS.envFile);
  assert.equal(await keyOf(dir, { OPENAI_API_KEY_FILE: 'env.key' }), KEYS.envFile);
});

test('a missing systemd credential falls through to api_key; no key at all is undefined', async (t) => {
  const dir = await tempDir(t);
  const env = { CREDENTIALS_DIRECTORY: join(dir, 'no-such-folder') };
  assert.equal(await keyOf(dir, env), undefined);
  await writeFile(join(dir, 'config.json'), JSON.stringify({ api_key: KEYS.config }));
  assert.equal(await keyOf(dir, env), KEYS.config);
});

test('surrounding whitespace and the final newline are removed', async (t) => {
  const dir = await tempDir(t);
  const cases = [
    `${KEYS.envFile}\n`,
    `${KEYS.envFile}\r\n`,
    `  ${KEYS.envFile} \n\n`,
    KEYS.envFile,
  ];
  for (const [i, text] of cases.entries()) {
    await writeFile(join(dir, `k${i}`), text);
    assert.equal(await keyOf(dir, { OPENAI_API_KEY_FILE: `k${i}` }), KEYS.envFile, `case ${i}`);
  }
  await writeFile(join(dir, 'bom'), `\uFEFF${KEYS.envFile}\n`);
  assert.equal(await keyOf(dir, { OPENAI_API_KEY_FILE: 'bom' }), KEYS.envFile, 'a UTF-8 BOM');
});

test('errors name the source and the file, never the content', async (t) => {
  const dir = await tempDir(t);
  const secret = 'sk-must-never-be-printed-9999';
  const check = async (
    env: Record<string, string>,
    pattern: RegExp,
    configPath?: string,
  ): Promise<void> => {
    const err = await configError(loadConfig({ cwd: dir, env, configPath }));
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes(secret), `the key leaked: ${err.message}`);
    assert.ok(!inspect(err.cause).includes(secret), 'the key leaked through the cause');
    assert.equal(err.key, 'api_key_file');
  };
  const missing = join(dir, 'missing.key');
  await check(
    { OPENAI_API_KEY_FILE: missing },
    new RegExp(`^environment variable OPENAI_API_KEY_FILE: ${missing}: file not found$`),
  );
  await writeFile(join(dir, 'config.json'), JSON.stringify({ api_key_file: 'missing.key' }));
  await check({}, /config\.json: "api_key_file": .*missing\.key: file not found$/);

  await writeFile(join(dir, 'empty.key'), '\n  \n');
  await check({ OPENAI_API_KEY_FILE: 'empty.key' }, /empty\.key: is empty/);
  await writeFile(join(dir, 'zero.key'), '');
  await check({ OPENAI_API_KEY_FILE: 'zero.key' }, /zero\.key: is empty/);

  await check({ OPENAI_API_KEY_FILE: dir }, /: is a directory, not a file$/);

  await writeFile(join(dir, 'env-style.key'), `OPENAI_API_KEY=${secret}\nOTHER=1\n`);
  await check({ OPENAI_API_KEY_FILE: 'env-style.key' }, /env-style\.key: holds more than the key/);

  await writeFile(join(dir, 'huge.key'), `${secret}${'x'.repeat(70 * 1024)}`);
  await check({ OPENAI_API_KEY_FILE: 'huge.key' }, /huge\.key: larger than 64 KiB/);

  // An unreadable systemd credential is an error (only a missing one falls through).
  const credentials = join(dir, 'credentials');
  await mkdir(credentials);
  await writeFile(join(credentials, 'openai_api_key'), '');
  await writeFile(join(dir, 'plain.json'), '{}');
  await check(
    { CREDENTIALS_DIRECTORY: credentials },
    /^systemd credential \(CREDENTIALS_DIRECTORY\): .*openai_api_key: is empty/,
    'plain.json',
  );
});

test('a key file without read permission is named with the problem', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'locked.key');
  await writeFile(path, 'sk-locked-0000');
  await chmod(path, 0o000);
  const expected = /locked\.key: cannot be read: permission denied \(EACCES\)/;
  if (process.getuid?.() !== 0) {
    const err = await configError(loadConfig({ cwd: dir, env: { OPENAI_API_KEY_FILE: path } }));
    assert.match(err.message, expected);
    assert.ok(!err.message.includes('sk-locked-0000'));
    return;
  }
  // Root reads any file: the check runs as an unprivileged user, in a child process; where
  // that user cannot run the code (a checkout in a private folder), the file is opened the way
  // the system opens it for that user: refused with EACCES.
  const user = daemonUser();
  if (user === undefined) {
    t.diagnostic('as root: the refusal comes from the opener, the system refuses root nothing');
    const err = await configError(
      loadConfig({
        cwd: dir,
        env: { OPENAI_API_KEY_FILE: path },
        openKeyFile: (p) =>
          Promise.reject(
            Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES' }),
          ),
      }),
    );
    assert.match(err.message, expected);
    assert.ok(!err.message.includes('sk-locked-0000'));
    return;
  }
  await chmod(dir, 0o755);
  const r = spawnSync(process.execPath, [MAIN, 'config', 'check'], {
    cwd: dir,
    env: { PATH: process.env['PATH'], OPENAI_API_KEY_FILE: path },
    encoding: 'utf8',
    ...user,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, expected);
  assert.ok(!r.stderr.includes('sk-locked-0000') && !r.stdout.includes('sk-locked-0000'));
});
