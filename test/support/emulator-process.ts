/**
 * `slicebatch emulator` as a child process (the CLI given: the sources or the build) on a free
 * loopback port; resolves with its URL once it says where it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface EmulatorProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Its stderr so far (its log lines). */
  readonly stderr: () => string;
}

export async function spawnEmulatorProcess(options: {
  readonly cli: string;
  /** After `emulator --port 0`. */
  readonly args?: readonly string[];
  /** Before the CLI (`--import`, say). */
  readonly nodeArgs?: readonly string[];
  readonly env?: Record<string, string>;
}): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), options.cli, 'emulator', '--port', '0', ...(options.args ?? [])],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn', ...options.env },
    },
  );
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) =>
      reject(new Error(`the emulator exited (${code}) before listening: ${out}${err}`)),
    );
  });
  return { child, url, stderr: () => err };
}

/** The emulator's answers as fast as it goes: no time spent validating, running, finalizing. */
export const NO_DELAYS = ['--validating-ms', '0', '--ms-per-request', '0', '--finalizing-ms', '0'];
