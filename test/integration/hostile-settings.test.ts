/**
 * Keys and settings from a careless or hostile operator: a key with a line break in it, a key
 * echoed back by a hostile server, URL schemes that are not HTTP, log levels and listen
 * addresses that do not exist. Each is refused with exit 2 and the setting named, and the key
 * never reaches the terminal.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import type { LogRecord } from '../support/capture.ts';
import { runCli } from '../support/cli.ts';
import { daemonTestConfig, quickEmulator, startTestDaemon } from '../support/daemon.ts';
import { deferCleanup, tempDir } from '../support/temp-dir.ts';

async function withConfig(t: TestContext, config: Record<string, unknown>): Promise<string> {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const KEY_HEAD = 'sk-proj-abcdefghijk';
const KEY_TAIL = 'TAILSECRET0123456789';

test('a key with a line break in config.json is refused by `config check`, naming the key and not showing it', async (t) => {
  for (const config of [
    { api_key: `${KEY_HEAD}\n${KEY_TAIL}` },
    { openai: { api_key: `${KEY_HEAD}\t${KEY_TAIL}` } },
    { api_key: `${KEY_HEAD}\u0007${KEY_TAIL}` },
  ]) {
    const dir = await withConfig(t, config);
    const r = await runCli(['config', 'check'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /"(openai\.)?api_key": .*control characters/);
    assert.ok(!r.stderr.includes(KEY_HEAD) && !r.stderr.includes(KEY_TAIL), r.stderr);
  }
});

test('a key with a line break in OPENAI_API_KEY is refused, naming the variable and not showing it', async (t) => {
  const dir = await tempDir(t);
  const r = await runCli(['submit', '-s', 'batch_x'], {
    cwd: dir,
    env: { OPENAI_API_KEY: `${KEY_HEAD}\r\n${KEY_TAIL}`, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /environment variable OPENAI_API_KEY: .*control characters/);
  assert.ok(!r.stderr.includes(KEY_HEAD) && !r.stderr.includes(KEY_TAIL), r.stderr);
});

test('an error that carries the key (a server echoing it back) reaches stderr scrubbed, stack included', async (t) => {
  // A key that does not look like an OpenAI key: only knowing the configured value finds it.
  const key = 'azure0123456789abcdef0123456789';
  const server = createServer((req, res) => {
    res.writeHead(400, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        error: { message: `bad header: ${req.headers.authorization}`, type: 'invalid_request' },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  deferCleanup(t, () => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as AddressInfo;
  const dir = await withConfig(t, {
    api_key: key,
    base_url: `http://127.0.0.1:${port}/v1`,
  });
  const r = await runCli(['submit', '-s', 'batch_x'], {
    cwd: dir,
    env: { SLICEBATCH_DEBUG: '1' },
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /bad header: Bearer \[redacted\]/);
  assert.ok(!r.stderr.includes(key), r.stderr);
});

test('base_url must be http or https, in config.json and in OPENAI_BASE_URL', async (t) => {
  for (const url of ['ftp://example.com/v1', 'javascript:alert(1)', 'file:///etc/passwd']) {
    const dir = await withConfig(t, { base_url: url });
    const r = await runCli(['config', 'check'], { cwd: dir });
    assert.equal(r.code, 2, `${url}: ${r.stderr}`);
    assert.match(r.stderr, /"base_url": .*http/, url);
    const e = await runCli(['config', 'check'], {
      cwd: await tempDir(t),
      env: { OPENAI_BASE_URL: url },
    });
    assert.equal(e.code, 2, `${url}: ${e.stderr}`);
    assert.match(e.stderr, /environment variable OPENAI_BASE_URL: .*http/, url);
  }
  const ok = await withConfig(t, { base_url: 'https://example.com/openai/v1' });
  assert.equal((await runCli(['config', 'check'], { cwd: ok })).code, 0);
});

test('LOG_LEVEL that does not exist: exit 2 naming LOG_LEVEL and the levels', async (t) => {
  const dir = await tempDir(t);
  for (const args of [
    ['config', 'check'],
    ['process', '--data-dir', join(dir, 'data')],
  ]) {
    const r = await runCli(args, { cwd: dir, env: { LOG_LEVEL: 'verbose' } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /environment variable LOG_LEVEL: "verbose" .*fatal, error, warn, info/);
  }
  const ok = await runCli(['config', 'check'], { cwd: dir, env: { LOG_LEVEL: 'debug' } });
  assert.equal(ok.code, 0, ok.stderr);
});

test('http.listen that is not host:port: exit 2 from `config check` naming http.listen', async (t) => {
  for (const listen of ['*:9464', 'every:where:9464', 'host name:80', '127.0.0.1:70000', ':']) {
    const dir = await withConfig(t, { http: { listen } });
    const r = await runCli(['config', 'check'], { cwd: dir });
    assert.equal(r.code, 2, `${listen}: ${r.stderr}`);
    assert.match(r.stderr, /"http\.listen": /, listen);
  }
  for (const listen of ['9464', ':9464', '127.0.0.1:9464', '[::1]:9464', '0:9464', 'localhost:1']) {
    const dir = await withConfig(t, { http: { listen } });
    const r = await runCli(['config', 'check'], { cwd: dir });
    assert.equal(r.code, 0, `${listen}: ${r.stderr}`);
  }
});

test('a listener on every interface is said loudly in the log; one on loopback is not', async (t) => {
  const { emulator } = await quickEmulator(t);
  // Off loopback the listener needs a token (the review page's rule): one is given.
  const tokenFile = join(await tempDir(t), 'token');
  await writeFile(tokenFile, 'a-test-token-of-enough-length-0123456789\n', { mode: 0o600 });
  const warned = async (listen: string): Promise<LogRecord[]> => {
    const d = await startTestDaemon(t, {
      dataDir: await tempDir(t),
      emulator,
      config: daemonTestConfig({ http: { listen, token_file: tokenFile } }),
    });
    await d.stop();
    return d.log.logRecords().filter((r) => r.level === 40 && /http\.listen/.test(r.msg));
  };
  const open = await warned('0.0.0.0:0');
  assert.equal(open.length, 1);
  assert.match(
    open[0]!.msg,
    /"0\.0\.0\.0:0" is not loopback: the review page, \/healthz and \/metrics are open \(behind the token/,
  );
  assert.deepEqual(await warned('127.0.0.1:0'), []);
  assert.deepEqual(await warned('localhost:0'), []);
});

test('a listen address that cannot be bound stops the daemon with a ConfigError naming http.listen', async (t) => {
  const { emulator } = await quickEmulator(t);
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  deferCleanup(t, () => new Promise<void>((r) => taken.close(() => r())));
  const { port } = taken.address() as AddressInfo;
  await assert.rejects(
    startTestDaemon(t, {
      dataDir: await tempDir(t),
      emulator,
      config: daemonTestConfig({ http: { listen: `127.0.0.1:${port}` } }),
    }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.key === 'http.listen' &&
      /"http\.listen": cannot listen on .*EADDRINUSE/.test(err.message),
  );
});
