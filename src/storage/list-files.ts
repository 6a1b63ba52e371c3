/**
 * Recursive listing of the regular files under a folder, skipping hidden files and folders,
 * in a stable order: folder by folder, names sorted within each folder.
 *
 * The tree listed is the real one under the root (the root itself may be a link):
 *   - a folder is listed once: a link to a folder that is listed anyway (`ln -s .. up`, a
 *     link to a sibling) is skipped as a loop, so no file is listed under two names;
 *   - a link (to a file or a folder) that leads outside the root is not followed;
 *   - a sub-folder that cannot be read (EACCES, EIO, ...) is skipped, when the caller takes
 *     problems (`onProblem`); without it, the error is thrown as before.
 * Each skip is reported to `onProblem` with the path, relative to the root.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, posix, relative, sep, isAbsolute } from 'node:path';

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

/** Something under the root that was not listed, and why. */
export type ListingProblem =
  | { readonly kind: 'loop'; readonly rel: string; readonly target: string }
  | { readonly kind: 'outside'; readonly rel: string; readonly target: string }
  | { readonly kind: 'unreadable'; readonly rel: string; readonly error: NodeJS.ErrnoException };

export interface ListOptions {
  /** Takes what was skipped; given, an unreadable sub-folder is skipped instead of thrown. */
  readonly onProblem?: (problem: ListingProblem) => void;
}

/** What a person reads about a problem (for logs and status). */
export function describeListingProblem(p: ListingProblem): string {
  switch (p.kind) {
    case 'loop':
      return `${p.rel}: a link to a folder that is listed anyway (${p.target}); not followed`;
    case 'outside':
      return `${p.rel}: a link leading outside the folder (to ${p.target}); not followed`;
    case 'unreadable':
      return `${p.rel}: cannot be read (${p.error.code ?? p.error.message}); skipped`;
  }
}

function inside(realRoot: string, target: string): boolean {
  const rel = relative(realRoot, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export async function listFiles(
  root: string,
  accept: (rel: string) => boolean = () => true,
  options: ListOptions = {},
): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return out;
    throw err;
  }
  // Folders by device and inode: a bind mount shows the same folder under another path.
  const idOf = (info: { dev: number; ino: number }): string => `${info.dev}:${info.ino}`;
  const walked = new Set<string>([idOf(await stat(realRoot))]);
  const walk = async (relDir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(root, relDir), { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      if (relDir === '' || options.onProblem === undefined) throw err;
      options.onProblem({ kind: 'unreadable', rel: relDir, error: err as NodeJS.ErrnoException });
      return;
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
        const target = await realpath(path).catch(() => undefined);
        if (target === undefined) continue; // dangling
        if (!inside(realRoot, target)) {
          options.onProblem?.({ kind: 'outside', rel, target });
          continue;
        }
        const info = await stat(target).catch(() => undefined);
        isFile = info?.isFile() ?? false;
        isDir = info?.isDirectory() ?? false;
        if (isDir) {
          // Inside the root, the folder is listed under its own name (or is an ancestor).
          options.onProblem?.({ kind: 'loop', rel, target: relative(realRoot, target) || '.' });
          continue;
        }
      } else if (isDir) {
        // A folder reached twice (a bind mount of an ancestor): listed once.
        const info = await stat(path).catch(() => undefined);
        if (info === undefined) continue;
        if (walked.has(idOf(info))) {
          options.onProblem?.({ kind: 'loop', rel, target: 'a folder listed already' });
          continue;
        }
        walked.add(idOf(info));
      }
      if (isDir) {
        dirs.push(rel);
      } else if (isFile && accept(rel)) {
        const info = await stat(path).catch(() => undefined);
        if (info !== undefined && info.isFile()) {
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

/**
 * Why the file at `rel` under `root` is not one `listFiles` would list (a link on the way, or
 * the file a link leading outside), if it is not; for paths that come from elsewhere (the
 * watcher's events). Undefined for a file that is gone.
 */
export async function inboxPathProblem(
  root: string,
  rel: string,
  knownRealRoot?: string,
): Promise<ListingProblem | undefined> {
  const realRoot = knownRealRoot ?? (await realpath(root).catch(() => undefined));
  if (realRoot === undefined) return undefined;
  const parts = rel.split('/');
  // The common case in one call: no link anywhere on the way.
  const real = await realpath(join(root, ...parts)).catch(() => undefined);
  if (real === undefined || real === join(realRoot, ...parts)) return undefined;
  for (let i = 1; i < parts.length; i++) {
    const relDir = parts.slice(0, i).join('/');
    const real = await realpath(join(root, ...parts.slice(0, i))).catch(() => undefined);
    if (real === undefined) return undefined;
    if (real !== join(realRoot, ...parts.slice(0, i))) {
      return inside(realRoot, real)
        ? { kind: 'loop', rel: relDir, target: relative(realRoot, real) || '.' }
        : { kind: 'outside', rel: relDir, target: real };
    }
  }
  const target = await realpath(join(root, ...parts)).catch(() => undefined);
  if (target !== undefined && !inside(realRoot, target)) return { kind: 'outside', rel, target };
  return undefined;
}

/** A path relative to `root` with `/` separators. */
export function relativePosix(root: string, path: string): string {
  const rel = path.startsWith(root) ? path.slice(root.length).replace(/^[\\/]+/, '') : path;
  return rel.split(sep).join('/');
}
