/** Runs a slicebatch command line in-process, capturing its output. */
import { main } from '../../src/cli/main.ts';
import { captureIo } from './capture.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(
  argv: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CliResult> {
  const io = captureIo();
  const code = await main(argv, { ...io, cwd: options.cwd, env: options.env ?? {} });
  return { code, stdout: io.stdout.text, stderr: io.stderr.text };
}
