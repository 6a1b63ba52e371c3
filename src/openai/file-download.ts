/**
 * A file's content streamed to disk through the SDK: resumed where it stopped (an HTTP Range;
 * a server that answers with the whole file instead has it written from the start), bounded by
 * a deadline to the last byte (the SDK's timeout ends with the headers, so a server trickling
 * the body cannot hold the poll step; the next try resumes from where it stopped), and aborted
 * by the caller's signal. Returns the file's size afterwards.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type OpenAI from 'openai';
import { plainApiId } from './api-ids.ts';
import type { CallOptions } from './port-types.ts';
import { DownloadTimeoutError } from './http-client.ts';

export async function downloadFile(
  client: OpenAI,
  timeoutMs: number,
  request: { readonly id: string; readonly path: string; readonly resumeFrom: number },
  options: CallOptions | undefined,
): Promise<number> {
  const { id, path, resumeFrom } = request;
  plainApiId('file id', id, 'downloading a file');
  // The SDK's timeout ends with the headers; this one runs until the last byte, so that a
  // server trickling the body cannot hold the poll step (the next try resumes from here).
  const deadline = new AbortController();
  let bytes = resumeFrom;
  const timer = setTimeout(
    () => deadline.abort(new DownloadTimeoutError(id, timeoutMs, bytes)),
    timeoutMs,
  );
  // The stop's signal aborts the download too (its reason is what the call throws).
  const signal =
    options?.signal === undefined
      ? deadline.signal
      : AbortSignal.any([deadline.signal, options.signal]);
  try {
    const res = await client.files.content(id, {
      signal,
      ...(resumeFrom > 0 ? { headers: { Range: `bytes=${resumeFrom}-` } } : {}),
    });
    if (res.body === null) throw new Error(`file ${id} has no content`);
    const append = resumeFrom > 0 && res.status === 206;
    bytes = append ? resumeFrom : 0;
    const file = createWriteStream(path, { flags: append ? 'a' : 'w' });
    // The pipeline reports the file's errors; one that comes after it ended (a write
    // still queued when an abort destroyed the file) must not end the process.
    file.on('error', () => undefined);
    await pipeline(
      Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          bytes += chunk.length;
          yield chunk;
        }
      },
      file,
      { signal },
    );
    return bytes;
  } catch (err) {
    if (options?.signal?.aborted === true) throw options.signal.reason as Error;
    if (deadline.signal.aborted) throw deadline.signal.reason as Error;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
