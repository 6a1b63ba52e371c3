/**
 * Durable file writes. A file appears under its final name complete or not at all: it is
 * written under a temporary name in the same folder, fsynced, then renamed (or hard-linked when
 * an existing file must not be replaced), and the folder is fsynced so that the new name
 * survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { open, link, mkdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A hidden temporary name beside `finalPath`; never picked up as input by any stage. */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${randomBytes(4).toString('hex')}.tmp`);
}

export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    // Some filesystems (and Windows) refuse to fsync a directory; the rename is still atomic.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}

/** Writes `data` to `path` atomically, replacing what was there. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dirname(path));
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Gives the complete, fsynced file `tmp` the name `path` unless `path` exists. Returns false
 * (and keeps `tmp`) when the name is taken. Hard links make this atomic on local filesystems;
 * where they are not supported, an exclusive create reserves the name before the rename.
 */
export async function publishNoClobber(tmp: string, path: string): Promise<boolean> {
  try {
    await link(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') {
      throw err;
    }
    try {
      const reserved = await open(path, 'wx');
      await reserved.close();
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err2;
    }
    await rename(tmp, path);
    await fsyncDir(dirname(path));
    return true;
  }
  await unlink(tmp);
  await fsyncDir(dirname(path));
  return true;
}
