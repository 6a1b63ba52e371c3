/**
 * `npm run demo`: a fresh data folder (demo/) seeded with the project's sample slices
 * (examples/), run through slicebatch. Uses the build (run `npm run build` first).
 */
import { cp, rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const demo = join(root, 'demo');
const cli = join(root, 'dist', 'cli', 'main.js');

await rm(demo, { recursive: true, force: true });
await cp(join(root, 'examples', 'reviewed_slices'), join(demo, '2.reviewed_slices'), {
  recursive: true,
});
console.log(`Fresh data folder ${demo} with the sample slices of examples/reviewed_slices.\n`);

const run = spawnSync(process.execPath, [cli, 'process', '--data-dir', demo], {
  stdio: 'inherit',
  env: { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' },
});
if (run.status !== 0) process.exit(run.status ?? 1);
console.log(`\nThe batch input files are in ${join(demo, '3.batch_input')}.`);
