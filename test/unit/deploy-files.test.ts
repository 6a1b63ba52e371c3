/**
 * The deployment files agree with the code and with each other: stop timeouts above the drain
 * deadline, the credential name the loader reads, the data folder, the user, the Node version.
 * (.ci/check-deploy.sh runs systemd-analyze and the Dockerfile linter on the same files.)
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { API_KEY_CREDENTIAL, parseConfig } from '../../src/config/load.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFile(join(repoRoot, path), 'utf8');

/** `KEY=value` lines of a unit file (the last one wins, as in systemd for single values). */
function unitValues(text: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match === null) continue;
    const [, key = '', value = ''] = match;
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  return values;
}

function one(values: Map<string, string[]>, key: string): string {
  const all = values.get(key);
  assert.ok(all !== undefined && all.length > 0, `${key}= is missing`);
  return all[all.length - 1] ?? '';
}

/** systemd and compose durations used here: `90s`, `2min`, `1min 30s`. */
function seconds(duration: string): number {
  let total = 0;
  for (const [, n = '', unit] of duration.matchAll(/(\d+)\s*(min|m|s)?\b/g)) {
    total += Number(n) * (unit === 'min' || unit === 'm' ? 60 : 1);
  }
  return total;
}

const drainSeconds = parseConfig({}, 'defaults').daemon.stop_timeout_ms / 1000;

test('systemd unit: stop timeout, credential, data folder, user, Node-safe hardening', async () => {
  const unit = unitValues(await read('systemd/slicebatch.service'));
  assert.ok(seconds(one(unit, 'TimeoutStopSec')) > drainSeconds, 'TimeoutStopSec > drain deadline');
  assert.equal(one(unit, 'KillMode'), 'mixed');
  assert.equal(one(unit, 'Restart'), 'on-failure');
  assert.equal(
    one(unit, 'LoadCredential').split(':')[0],
    API_KEY_CREDENTIAL,
    'the credential the loader looks for in $CREDENTIALS_DIRECTORY',
  );
  const state = one(unit, 'StateDirectory');
  assert.equal(one(unit, 'WorkingDirectory'), `%S/${state}`);
  assert.match(one(unit, 'ExecStart'), new RegExp(` run .*--data-dir %S/${state}(\\s|$)`));
  // V8 needs writable and executable memory; Node reads /proc/meminfo and /proc/stat.
  assert.equal(unit.get('MemoryDenyWriteExecute'), undefined);
  assert.equal(unit.get('ProcSubset'), undefined);

  const sysusers = await read('systemd/slicebatch.sysusers.conf');
  const user = /^u\s+(\S+)/m.exec(sysusers)?.[1];
  assert.equal(one(unit, 'User'), user, 'the sysusers file creates the unit user');
});

test('Dockerfile and compose.yaml: Node version, data volume, key file, stop grace', async () => {
  const dockerfile = await read('Dockerfile');
  const engines = (JSON.parse(await read('package.json')) as { engines: { node: string } }).engines
    .node;
  const major = /^ARG NODE_IMAGE=node:(\d+)\.\d+\.\d+-\S*slim$/m.exec(dockerfile)?.[1];
  assert.ok(major !== undefined, 'NODE_IMAGE pinned to an exact slim release');
  assert.ok(engines.includes(`^${major}.`), `Node ${major} is within engines ${engines}`);
  assert.match(dockerfile, /^VOLUME \/data$/m);
  assert.match(dockerfile, /^ENTRYPOINT \["tini", "--"\]$/m);
  assert.match(dockerfile, /^CMD \["slicebatch", "run", "--data-dir", "\/data"\]$/m);
  assert.match(
    dockerfile,
    /CMD \["node", "\/app\/dist\/cli\/main\.js", "health", "--data-dir", "\/data"\]/,
  );

  const compose = await read('compose.yaml');
  const grace = /^\s+stop_grace_period: (\S+)$/m.exec(compose)?.[1];
  assert.ok(grace !== undefined && seconds(grace) > drainSeconds, 'stop_grace_period > drain');
  const secret = /^secrets:\n\s+(\S+):$/m.exec(compose)?.[1];
  assert.match(compose, new RegExp(`OPENAI_API_KEY_FILE: /run/secrets/${secret}$`, 'm'));
  assert.match(compose, /^\s+- \.\/data:\/data$/m);
});
