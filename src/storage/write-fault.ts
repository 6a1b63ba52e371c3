/**
 * Whether an error is the disk refusing a write (full, over quota, read-only, failing), as
 * opposed to an input that cannot be read: the first is retried with backoff and shown as a
 * health problem, the second is reported for the file and waits for the file to change. Pure.
 */

/** Always about writing, whatever the call. */
const WRITE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG']);
/** About writing when the call was a write (EIO is also what a failing disk answers to reads). */
const WRITE_CALLS = new Set(['write', 'writev', 'fsync', 'fdatasync', 'close', 'rename', 'link']);

export interface WriteFault {
  readonly code: string;
  readonly message: string;
}

/**
 * The write fault `err` is, if it is one. `inputs`: the paths being read; an EIO on one of
 * them is a read error.
 */
export function writeFaultOf(
  err: unknown,
  inputs: ReadonlySet<string> = new Set(),
): WriteFault | undefined {
  const e = err as Partial<NodeJS.ErrnoException> | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === undefined) return undefined;
  const message = e instanceof Error ? e.message : String(err);
  if (WRITE_CODES.has(code)) return { code, message };
  if (code === 'EIO') {
    if (typeof e?.path === 'string' && inputs.has(e.path)) return undefined;
    if (typeof e?.syscall === 'string' && WRITE_CALLS.has(e.syscall)) return { code, message };
    if (typeof e?.path === 'string') return { code, message };
  }
  return undefined;
}

/** Delay before write attempt `failures + 1`: 5 s, doubling, at most 5 minutes. */
export function writeRetryDelayMs(failures: number): number {
  return Math.min(5 * 60_000, 5_000 * 2 ** Math.max(0, failures - 1));
}
