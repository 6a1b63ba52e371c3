/**
 * The checkout's Node: `npm ci` installs the devDependency `node`, and npm's scripts and `npx`
 * run on it whatever Node runs npm (the README's two commands on a Node 20 machine). It is the
 * Docker image's release, within `engines`, and the Docker build does not fetch it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, join, sep } from 'node:path';
import { test } from 'node:test';

const repoRoot = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFile(join(repoRoot, path), 'utf8');

interface PackageJson {
  engines: { node: string };
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

test('the devDependency node is pinned to the Docker image release, within engines, its install script allowed', async () => {
  const pkg = JSON.parse(await read('package.json')) as PackageJson;
  const pinned = pkg.devDependencies['node'];
  assert.ok(pinned !== undefined, 'devDependencies.node is set');
  assert.match(pinned, /^\d+\.\d+\.\d+$/, 'devDependencies.node is an exact version');
  assert.ok(pkg.engines.node.includes(`^${pinned.split('.')[0]}.`), `${pinned} within engines`);
  assert.equal(pkg.allowScripts?.['node'], true, 'allowScripts lets its preinstall fetch Node');

  const dockerfile = await read('Dockerfile');
  assert.equal(/^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-/m.exec(dockerfile)?.[1], pinned);
  const build = dockerfile.slice(0, dockerfile.search(/^FROM .* AS runtime$/m));
  assert.match(build, /^RUN npm ci --ignore-scripts /m, 'the image build does not fetch it');
});

test('npx node, with no node_modules/.bin on PATH, runs the Node installed in the checkout', async () => {
  const pkg = JSON.parse(await read('package.json')) as PackageJson;
  // Under `npm test` PATH already starts with node_modules/.bin: drop it, as in a user's shell.
  const PATH = (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter((dir) => !dir.endsWith(`${sep}node_modules${sep}.bin`))
    .join(delimiter);
  const r = spawnSync(
    'npx',
    ['--offline', 'node', '-p', 'process.version + " " + process.execPath'],
    {
      cwd: repoRoot,
      env: { ...process.env, PATH },
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const [version, execPath = ''] = r.stdout.trim().split(' ');
  assert.equal(version, `v${pkg.devDependencies['node']}`);
  const own = join(realpathSync(repoRoot), 'node_modules', 'node') + sep;
  assert.ok(realpathSync(execPath).startsWith(own), `${execPath} is not under ${own}`);
});
