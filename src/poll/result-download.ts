/**
 * Downloading a batch's output or error file to `batch_results_<id>.jsonl` /
 * `batch_errors_<id>.jsonl`, beside its job file: streamed to a `.part` file that a restart
 * resumes (an HTTP Range for the rest), verified (each line JSON with a custom_id that was sent,
 * none twice; a count other than `request_counts` says is noted, not refused), then renamed
 * into place.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { plainApiId } from '../openai/api-ids.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { fsyncDir } from '../storage/atomic-file.ts';
import type { SentIds } from './sent-requests.ts';
import { lineCountNote } from './unanswered-lines.ts';

export type ResultKind = 'results' | 'errors';

export function resultPath(dir: string, kind: ResultKind, batchId: string): string {
  const id = plainApiId('batch id', batchId, `the name of a ${kind} file`);
  return join(dir, `batch_${kind}_${id}.jsonl`);
}

export function partPath(final: string): string {
  return join(dirname(final), `.${final.split(/[\\/]/).pop()!}.part`);
}

export class ResultVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultVerificationError';
  }
}

export interface Verified {
  /** Lines that passed (a custom_id sent in this batch, seen once): each decides a fate. */
  readonly lines: number;
  /** What did not match: lines skipped, and a count other than request_counts says. */
  readonly notes: readonly string[];
}

/**
 * Checks a result file line by line. A line that is not JSON (a cut download?) or not UTF-8
 * throws unless `acceptFlawed`; a custom_id not sent or seen twice is skipped and noted; a
 * line count other than `expectedLines` is noted, not an error: the files are taken as they are.
 */
async function verify(
  path: string,
  expectedLines: number | undefined,
  sent: ReadonlySet<string> | SentIds | undefined,
  acceptFlawed: boolean,
): Promise<Verified> {
  // Our batch's requests: a byte each, by index; any other batch's ids as they come.
  const table = sent !== undefined && 'indexOf' in sent ? sent : undefined;
  const seenIndex = table === undefined ? undefined : new Uint8Array(table.size);
  const seen = new Set<string>();
  const notes: string[] = [];
  const note = (text: string): void => {
    if (notes.length < 20) notes.push(text);
  };
  let lines = 0;
  for await (const batch of readLineBatches(path)) {
    for (const line of batch) {
      if (line.kind !== 'text') {
        if (!acceptFlawed)
          throw new ResultVerificationError(`line ${line.lineNo} is not valid UTF-8`);
        note(`line ${line.lineNo} skipped: not valid UTF-8`);
        continue;
      }
      let customId: unknown;
      try {
        customId = (JSON.parse(line.text) as { custom_id?: unknown }).custom_id;
      } catch {
        if (!acceptFlawed)
          throw new ResultVerificationError(`line ${line.lineNo} is not JSON (a cut download?)`);
        note(`line ${line.lineNo} skipped: not JSON`);
        continue;
      }
      if (typeof customId !== 'string') {
        note(`line ${line.lineNo} skipped: custom_id ${JSON.stringify(customId)} was not sent`);
        continue;
      }
      const index = table === undefined ? -1 : table.indexOf(customId);
      const wasSent =
        table !== undefined
          ? index !== -1
          : sent === undefined || (sent as ReadonlySet<string>).has(customId);
      if (!wasSent) {
        note(`line ${line.lineNo} skipped: custom_id ${JSON.stringify(customId)} was not sent`);
        continue;
      }
      const twice = seenIndex !== undefined ? seenIndex[index] === 1 : seen.has(customId);
      if (twice) {
        note(`line ${line.lineNo} skipped: custom_id ${customId} twice`);
        continue;
      }
      if (seenIndex !== undefined) seenIndex[index] = 1;
      else seen.add(customId);
      lines++;
    }
  }
  if (expectedLines !== undefined && lines !== expectedLines) {
    note(lineCountNote(lines, expectedLines));
  }
  return { lines, notes };
}

export interface DownloadOptions {
  readonly api: BatchApi;
  readonly fileId: string;
  readonly path: string;
  /** What request_counts says the file should hold (a mismatch is noted, not refused). */
  readonly expectedLines?: number | undefined;
  /** The custom_ids sent in the batch (a set, or poll's table); unknown for a batch not ours. */
  readonly sent: ReadonlySet<string> | SentIds | undefined;
  /** Take a file with lines that are not JSON (after repeated downloads gave the same). */
  readonly acceptFlawed?: boolean | undefined;
}

/**
 * Downloads (resuming a partial download) and verifies; returns the number of lines. A file
 * already in place (downloaded before a crash, whose remote copy may be deleted since) is
 * verified and kept.
 */
export async function downloadVerified(options: DownloadOptions): Promise<Verified> {
  const { api, fileId, path } = options;
  const part = partPath(path);
  await mkdir(dirname(path), { recursive: true });
  if (
    await stat(path).then(
      (s) => s.isFile(),
      () => false,
    )
  ) {
    try {
      return await verify(path, options.expectedLines, options.sent, options.acceptFlawed ?? false);
    } catch {
      await rm(path, { force: true }); // not what this batch returned: fetch it again
    }
  }
  const have = (await stat(part).catch(() => undefined))?.size ?? 0;
  await api.downloadFile(fileId, part, have);
  let verified: Verified;
  try {
    verified = await verify(
      part,
      options.expectedLines,
      options.sent,
      options.acceptFlawed ?? false,
    );
  } catch (err) {
    // Start over next time: whatever is in the part file is not to be trusted.
    await rm(part, { force: true });
    throw err;
  }
  await rename(part, path);
  await fsyncDir(dirname(path));
  return verified;
}
