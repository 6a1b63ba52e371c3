/**
 * `slicebatch run` as a child process, started the way the systemd unit and the image start it
 * (node with the executable's flags, a config file, a data folder, the key in a credentials
 * folder), as an unprivileged user when the tests run as root and that user can read the code.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { shebangNodeFlags } from '../../bench/child.ts';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** The node flags of the executable's shebang (src/cli/main.ts), read from it. */
export const NODE_FLAGS = shebangNodeFlags(readFileSync(MAIN, 'utf8'));
/** nobody:nogroup on Debian. */
export const UNPRIVILEGED = { uid: 65534, gid: 65534 } as const;

export interface DaemonProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The user to run the daemon as: nobody when we are root and nobody can run the code from
 * where it is (a checkout under a private folder cannot), else ourselves.
 */
export function daemonUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const probe = spawnSync(process.execPath, ['--check', MAIN], {
    ...UNPRIVILEGED,
    stdio: 'ignore',
  });
  return probe.status === 0 ? UNPRIVILEGED : undefined;
}

/** Gives `paths` to the user the daemon runs as. */
export async function handTo(
  user: { uid: number; gid: number } | undefined,
  ...paths: string[]
): Promise<void> {
  if (user === undefined) return;
  for (const p of paths) await chown(p, user.uid, user.gid);
}

export function spawnDaemon(options: {
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly user?: { uid: number; gid: number } | undefined;
  /** Node options added to the executable's (a test's `--import`). */
  readonly nodeArgs?: readonly string[];
}): DaemonProcess {
  const nodeArgs = [...NODE_FLAGS, ...(options.nodeArgs ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, MAIN, 'run', ...options.args], {
    cwd: options.cwd,
    // The environment shape of the unit: no inherited variables but PATH and what is given.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.user ?? {}),
  });
  let text = '';
  child.stdout.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr.on('data', (b: Buffer) => (text += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => text, exited };
}
