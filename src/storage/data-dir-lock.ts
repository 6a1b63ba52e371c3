/**
 * One slicebatch at a time per data folder: a lock file in the bookkeeping folder, created
 * exclusively, holding the owner's pid, host and command, and touched by its owner every
 * REFRESH_MS. A lock is stale, and taken over, when its process no longer runs on this host, or,
 * for an owner on another host, when it has not been touched for STALE_MS (its owner died: a
 * container that restarted has a new host name). A live lock makes a second instance stop with a clear message.
 */
import { hostname } from 'node:os';
import { mkdir, open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { SlicebatchError } from '../errors.ts';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly started_at: string;
}

export class DataDirLockedError extends SlicebatchError {
  readonly owner: LockOwner;
  constructor(dataDir: string, owner: LockOwner) {
    super(
      'locked',
      `${dataDir} is in use by another slicebatch (${owner.command}, pid ${owner.pid} on ${owner.host}, since ${owner.started_at}); stop it first, or use another --data-dir`,
    );
    this.owner = owner;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

export const REFRESH_MS = 30_000;
export const STALE_MS = 120_000;

export async function lockDataDir(
  stateDir: string,
  dataDir: string,
  command: string,
  now: () => Date = () => new Date(),
): Promise<DataDirLock> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, 'lock');
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    command,
    started_at: now().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${JSON.stringify(me)}\n`);
      await handle.sync();
      await handle.close();
      let released = false;
      const refresh = setInterval(() => {
        const t = now();
        void utimes(path, t, t).catch(() => undefined);
      }, REFRESH_MS);
      refresh.unref();
      return {
        async release() {
          if (released) return;
          released = true;
          clearInterval(refresh);
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await liveOwner(path, now);
    if (owner !== undefined) throw new DataDirLockedError(dataDir, owner);
    // Stale (its process is gone), or damaged: remove and try again.
    await unlink(path).catch(() => undefined);
  }
  throw new SlicebatchError('locked', `${dataDir}: could not take the lock at ${path}`);
}

/** The owner of the lock file at `path` while it holds the lock; undefined: none, or stale. */
async function liveOwner(path: string, now: () => Date): Promise<LockOwner | undefined> {
  let owner: LockOwner;
  try {
    owner = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return undefined; // none, being written, or damaged: not a holder
  }
  const age = now().getTime() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0);
  // On this host the process table says it, whatever the clocks (a lock's age compares our
  // clock with the file system's); from another host only the age can.
  return (owner.host === hostname() ? alive(owner.pid) : age < STALE_MS) ? owner : undefined;
}

/**
 * The slicebatch command holding the data folder whose bookkeeping folder is `stateDir` now
 * (the daemon, or a `process` or `submit` run by hand), for `status`; nothing is changed.
 */
export function lockHolder(stateDir: string, now: () => Date): Promise<LockOwner | undefined> {
  return liveOwner(join(stateDir, 'lock'), now);
}
