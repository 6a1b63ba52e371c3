/**
 * `npm run demo`, the newcomer's tour: a fresh data folder (demo/) seeded with the project's
 * sample slices (examples/reviewed_slices/), run through the whole pipeline by the daemon on
 * its built-in emulator (`slicebatch run --emulator --once`: nothing leaves the machine), and
 * the dataset it compiled, then the commands to try next. Uses the build (`npm run build` first).
 */
import { spawnSync } from 'node:child_process';
import { cp, readdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { nextSteps, renderNextSteps } from './demo-next.ts';

const root = join(import.meta.dirname, '..');
const demo = join(root, 'demo');
const cli = join(root, 'dist', 'cli', 'main.js');

await rm(demo, { recursive: true, force: true });
await cp(join(root, 'examples', 'reviewed_slices'), join(demo, '2.reviewed_slices'), {
  recursive: true,
});
console.log(
  `Fresh data folder ${relative(root, demo)}/ with the sample slices of examples/reviewed_slices/.`,
);
console.log('Running: slicebatch run --emulator --once --data-dir demo\n');

const run = spawnSync(process.execPath, [cli, 'run', '--emulator', '--once', '--data-dir', demo], {
  stdio: 'inherit',
  env: { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info' },
});
if (run.status !== 0) process.exit(run.status ?? 1);

const final = join(demo, '5.final_output');
const names = (await readdir(final)).sort();
const train = names.filter((n) => n.startsWith('train_dataset_')).at(-1);
console.log(`\nThe dataset is in ${relative(root, final)}/:`);
for (const n of names) console.log(`  ${n}`);
if (train !== undefined) {
  const first = (await readFile(join(final, train), 'utf8')).split('\n')[0] ?? '';
  console.log(
    `\nIts first training record (${train}):\n${first.slice(0, 600)}${first.length > 600 ? ' ...' : ''}`,
  );
}
console.log(
  `\nEvery stage is a folder of ${relative(root, demo)}/: 3.batch_input (requests), 4.batch_output (batches and results), 5.final_output (dataset).`,
);
console.log(`\n${renderNextSteps(nextSteps(relative(root, demo)))}`);
