/**
 * After a crash or a lost answer, finding what the API did, without trusting two things the
 * real API does not promise: that its clock agrees with ours, and that its lists are current.
 *
 * - An upload is ours when it has the name we gave it (the file's name with a prefix of its
 *   content hash) and its size: any such upload holds this content, whenever it was made, so
 *   the search needs no time at all.
 * - A batch is ours when its metadata names this content and attempt. The search is bounded by
 *   a server-side fact: a batch cannot be older than its input file, and both timestamps come
 *   from the server's clock (`notBeforeS`). Our clock is never compared with the server's.
 * - Lists may lag: a batch or file just created may be missing from a listing for a while.
 *   After an answer was lost (or a crash may hide a request), "not found" is only believed
 *   after looking again and again over a settle window (`submit.reconcile_settle_ms`). The
 *   window is spent only on that rare path, never on a normal submission.
 */
import type { Clock } from '../clock.ts';
import type { BatchApi, RemoteBatch, RemoteFile } from '../openai/batch-api.ts';

/** Metadata on every batch we create: what it was made from. */
export const META = {
  sha256: 'slicebatch_sha256',
  attempt: 'slicebatch_attempt',
  file: 'slicebatch_file',
} as const;

/**
 * Lists are newest first in practice, but no order is documented: the search ends only after
 * this many batches in a row older than the bound (a whole page), not at the first one.
 */
const OLDER_IN_A_ROW = 100;
/** Servers behind one API need not agree to the second: slack between two server timestamps. */
const SERVER_SLACK_S = 120;

export function batchMetadata(
  sha256: string,
  attempt: number,
  file: string,
): Record<string, string> {
  return {
    [META.sha256]: sha256,
    [META.attempt]: String(attempt),
    // Values are limited to 512 characters; the hash identifies the content anyway.
    [META.file]: file.length > 512 ? `…${file.slice(-511)}` : file,
  };
}

export function isOurBatch(b: RemoteBatch, sha256: string, attempt: number): boolean {
  return b.metadata?.[META.sha256] === sha256 && b.metadata[META.attempt] === String(attempt);
}

/**
 * The batch made from this content and attempt, if a listing shows it. `notBeforeS`: the
 * server's creation time of its input file (no batch of it can be older); without it, the
 * whole list is searched.
 */
export async function findCreatedBatch(
  api: BatchApi,
  sha256: string,
  attempt: number,
  notBeforeS: number | undefined,
): Promise<RemoteBatch | undefined> {
  const floor = notBeforeS === undefined ? undefined : notBeforeS - SERVER_SLACK_S;
  let olderInARow = 0;
  for await (const b of api.listBatches()) {
    if (isOurBatch(b, sha256, attempt)) return b;
    if (floor === undefined || b.created_at >= floor) olderInARow = 0;
    else if (++olderInARow >= OLDER_IN_A_ROW) return undefined;
  }
  return undefined;
}

/**
 * Uploads of this content (same name and size, whenever made): the newest to adopt, the others
 * to delete (they would be leaked otherwise). `exclude`: ids known to be gone (deleted by us).
 */
export async function findUploads(
  api: BatchApi,
  name: string,
  bytes: number,
  exclude: ReadonlySet<string> = new Set(),
): Promise<{ adopt: RemoteFile | undefined; extra: RemoteFile[] }> {
  const matches: RemoteFile[] = [];
  for await (const f of api.listFiles('batch')) {
    if (f.filename === name && f.bytes === bytes && !exclude.has(f.id)) matches.push(f);
  }
  matches.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
  return { adopt: matches[0], extra: matches.slice(1) };
}

export interface SettleOptions {
  readonly clock: Clock;
  /** How long a listing may lag behind: keep looking this long before believing "not there". */
  readonly settleMs: number;
  readonly signal?: AbortSignal | undefined;
}

/** Time between looks within the settle window. */
export function lookIntervalMs(settleMs: number): number {
  return Math.min(15_000, Math.max(10, Math.ceil(settleMs / 8)));
}

/**
 * Looks with `find` at once, then again and again until `settleMs` has passed (on our clock,
 * compared only with itself); undefined only when no look found anything.
 */
export async function lookOverWindow<T>(
  find: () => Promise<T | undefined>,
  options: SettleOptions,
): Promise<T | undefined> {
  const { clock, settleMs, signal } = options;
  const deadline = clock.now() + settleMs;
  const interval = lookIntervalMs(settleMs);
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    const left = deadline - clock.now();
    if (left <= 0) return undefined;
    await clock.sleep(Math.min(interval, left), signal);
  }
}
