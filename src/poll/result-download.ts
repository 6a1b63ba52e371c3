/**
 * Downloading a batch's output or error file to `batch_results_<id>.jsonl` /
 * `batch_errors_<id>.jsonl`, beside its job file: streamed to a `.part` file that a restart
 * resumes (an HTTP Range for the rest), verified (as many lines as `request_counts` says, each
 * a custom_id that was sent, none twice), then renamed into place.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { fsyncDir } from '../storage/atomic-file.ts';

export type ResultKind = 'results' | 'errors';

export function resultPath(dir: string, kind: ResultKind, batchId: string): string {
  return join(dir, `batch_${kind}_${batchId}.jsonl`);
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

async function verify(
  path: string,
  expectedLines: number,
  sent: ReadonlySet<string> | undefined,
): Promise<number> {
  const seen = new Set<string>();
  let lines = 0;
  for await (const batch of readLineBatches(path)) {
    for (const line of batch) {
      if (line.kind !== 'text')
        throw new ResultVerificationError(`line ${line.lineNo} is not valid UTF-8`);
      let customId: unknown;
      try {
        customId = (JSON.parse(line.text) as { custom_id?: unknown }).custom_id;
      } catch {
        throw new ResultVerificationError(`line ${line.lineNo} is not JSON (a cut download?)`);
      }
      if (typeof customId !== 'string' || (sent !== undefined && !sent.has(customId))) {
        throw new ResultVerificationError(
          `line ${line.lineNo}: custom_id ${JSON.stringify(customId)} was not sent in this batch`,
        );
      }
      if (seen.has(customId))
        throw new ResultVerificationError(`line ${line.lineNo}: custom_id ${customId} twice`);
      seen.add(customId);
      lines++;
    }
  }
  if (lines !== expectedLines) {
    throw new ResultVerificationError(`${lines} lines where request_counts says ${expectedLines}`);
  }
  return lines;
}

export interface DownloadOptions {
  readonly api: BatchApi;
  readonly fileId: string;
  readonly path: string;
  readonly expectedLines: number;
  /** The custom_ids sent in the batch; unknown for a batch that is not ours. */
  readonly sent: ReadonlySet<string> | undefined;
}

/**
 * Downloads (resuming a partial download) and verifies; returns the number of lines. A file
 * already in place (downloaded before a crash, whose remote copy may be deleted since) is
 * verified and kept.
 */
export async function downloadVerified(options: DownloadOptions): Promise<number> {
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
      return await verify(path, options.expectedLines, options.sent);
    } catch {
      await rm(path, { force: true }); // not what this batch returned: fetch it again
    }
  }
  const have = (await stat(part).catch(() => undefined))?.size ?? 0;
  await api.downloadFile(fileId, part, have);
  let lines: number;
  try {
    lines = await verify(part, options.expectedLines, options.sent);
  } catch (err) {
    // Start over next time: whatever is in the part file is not to be trusted.
    await rm(part, { force: true });
    throw err;
  }
  await rename(part, path);
  await fsyncDir(dirname(path));
  return lines;
}
