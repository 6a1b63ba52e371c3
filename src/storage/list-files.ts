/**
 * Recursive listing of the regular files under a folder, skipping hidden files and folders,
 * in a stable order: folder by folder, names sorted within each folder.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';

export interface ListedFile {
  /** Path relative to the root, with `/` separators. */
  readonly rel: string;
  /** The folder part of `rel` ('' at the root). */
  readonly relDir: string;
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
}

export async function listFiles(
  root: string,
  accept: (rel: string) => boolean = () => true,
): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  const walk = async (relDir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(root, relDir), { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const dirs: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const rel = relDir === '' ? e.name : posix.join(relDir, e.name);
      const path = join(root, ...rel.split('/'));
      let isFile = e.isFile();
      let isDir = e.isDirectory();
      if (e.isSymbolicLink()) {
        const info = await stat(path).catch(() => undefined);
        isFile = info?.isFile() ?? false;
        isDir = info?.isDirectory() ?? false;
      }
      if (isDir) {
        dirs.push(rel);
      } else if (isFile && accept(rel)) {
        const info = await stat(path).catch(() => undefined);
        if (info !== undefined) {
          out.push({
            rel,
            relDir,
            path,
            size: info.size,
            mtimeMs: info.mtimeMs,
            ctimeMs: info.ctimeMs,
            ino: info.ino,
          });
        }
      }
    }
    for (const d of dirs) await walk(d);
  };
  await walk('');
  return out;
}

/** A path relative to `root` with `/` separators. */
export function relativePosix(root: string, path: string): string {
  const rel = path.startsWith(root) ? path.slice(root.length).replace(/^[\\/]+/, '') : path;
  return rel.split(sep).join('/');
}
