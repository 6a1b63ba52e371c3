/**
 * After a crash or a lost answer, finding what the API did: an uploaded file (by the name we
 * gave it and its size, uploaded after our intent), or a created batch (by the metadata that
 * identifies its input content and attempt). This is how a retry never pays twice.
 */
import type { BatchApi, RemoteBatch, RemoteFile } from '../openai/batch-api.ts';

/** Metadata on every batch we create: what it was made from. */
export const META = {
  sha256: 'slicebatch_sha256',
  attempt: 'slicebatch_attempt',
  file: 'slicebatch_file',
} as const;

/** Slack for clocks that disagree (ours and the API's). */
const CLOCK_SLACK_S = 600;

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

/** The batch made from this content and attempt since `sinceMs`, if the API has it. */
export async function findCreatedBatch(
  api: BatchApi,
  sha256: string,
  attempt: number,
  sinceMs: number,
): Promise<RemoteBatch | undefined> {
  const since = Math.floor(sinceMs / 1000) - CLOCK_SLACK_S;
  for await (const b of api.listBatches()) {
    if (isOurBatch(b, sha256, attempt)) return b;
    if (b.created_at < since) return undefined;
  }
  return undefined;
}

/**
 * Uploads of this file (same name and size) since `sinceMs`: the newest to adopt, the others
 * to delete (they would be leaked otherwise).
 */
export async function findUploads(
  api: BatchApi,
  name: string,
  bytes: number,
  sinceMs: number,
): Promise<{ adopt: RemoteFile | undefined; extra: RemoteFile[] }> {
  const since = Math.floor(sinceMs / 1000) - CLOCK_SLACK_S;
  const matches: RemoteFile[] = [];
  for await (const f of api.listFiles('batch')) {
    if (f.filename === name && f.bytes === bytes && f.created_at >= since) matches.push(f);
  }
  matches.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
  return { adopt: matches[0], extra: matches.slice(1) };
}
