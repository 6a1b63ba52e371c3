/**
 * Submission benchmark: `slicebatch submit` (built CLI) uploading and creating batches for many
 * small batch input files against `slicebatch emulator` (another process, no added latency);
 * files submitted per second, and API calls per submitted file counted by the emulator.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBatchInputs } from '../test/support/batch-inputs.ts';
import { spawnEmulatorProcess } from '../test/support/emulator-process.ts';
import { runChild } from './child.ts';

export interface SubmitBench {
  readonly files: number;
  readonly concurrency: number;
  readonly filesPerS: number;
  readonly callsPerFile: number;
}

async function startEmulatorProcess(cli: string) {
  const { child, url, stderr } = await spawnEmulatorProcess({
    cli,
    args: ['--validating-ms', '600000'],
    env: { LOG_LEVEL: 'info' },
  });
  return {
    url,
    /** Stops it and returns the number of requests it answered. */
    async stop(): Promise<number> {
      child.kill('SIGTERM');
      await once(child, 'exit');
      const line = stderr()
        .split('\n')
        .find((l) => l.includes('emulator stopped'));
      return (JSON.parse(line ?? '{}') as { requests?: number }).requests ?? NaN;
    },
  };
}

export async function benchSubmit(
  root: string,
  files = 200,
  concurrency = 4,
): Promise<SubmitBench> {
  const cli = join(root, 'dist', 'cli', 'main.js');
  const data = await mkdtemp(join(tmpdir(), 'bench-submit-'));
  try {
    await writeBatchInputs(data, files, 10);
    await writeFile(
      join(data, 'config.json'),
      JSON.stringify({ submit: { concurrency, requests_per_minute: 1_000_000 } }),
    );
    const emulator = await startEmulatorProcess(cli);
    const run = await runChild([cli, 'submit', '--data-dir', data], {
      cwd: data,
      env: { LOG_LEVEL: 'warn', OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: 'bench-key' },
    });
    const requests = await emulator.stop();
    return { files, concurrency, filesPerS: files / run.seconds, callsPerFile: requests / files };
  } finally {
    await rm(data, { recursive: true, force: true });
  }
}
