/** Runs a slicebatch command line in-process, capturing its output. */
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.ts';
import type { StatusReport } from '../../src/status/status-report.ts';
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

/** `slicebatch status` of the data folder `data` (its cwd): the `--json` report and the screen. */
export async function statusOf(data: string): Promise<{ report: StatusReport; screen: string }> {
  const json = await runCli(['status', '--json'], { cwd: data });
  assert.equal(json.code, 0, json.stderr);
  const text = await runCli(['status'], { cwd: data });
  assert.equal(text.code, 0, text.stderr);
  return { report: JSON.parse(json.stdout) as StatusReport, screen: text.stdout };
}
