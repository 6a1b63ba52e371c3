/**
 * The two result files of one batch run, written line by line as requests finish: a response
 * goes to the output file, an error (an HTTP error body, or an `error` object) to the error file.
 * Each line has the API's shape (`batch_req_` id, custom_id, response with its `req_` request
 * id, error). Keeps the counts and the usage the lines add up to. Waits for a file to drain
 * before the next line, so memory does not grow with the batch.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { derivedId } from './ids.ts';
import type { ChatCompletion } from './responder.ts';

export interface BatchUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** A batch's usage with one more completion's added. */
export function addUsage(usage: BatchUsage, completion: ChatCompletion): void {
  const u = completion.usage;
  usage.input_tokens += u.prompt_tokens;
  usage.input_tokens_details.cached_tokens += u.prompt_tokens_details.cached_tokens;
  usage.output_tokens += u.completion_tokens;
  usage.output_tokens_details.reasoning_tokens += u.completion_tokens_details.reasoning_tokens;
  usage.total_tokens += u.total_tokens;
}

export function createResultFiles(batchId: string, outputPath: string, errorPath: string) {
  const out: WriteStream = createWriteStream(outputPath);
  const err: WriteStream = createWriteStream(errorPath);
  const usage: BatchUsage = {
    input_tokens: 0,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 0,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 0,
  };
  const counts = { completed: 0, failed: 0, outputLines: 0, errorLines: 0 };
  /** The run was dropped (the emulator is closing): its files are destroyed, nothing is written. */
  let aborted = false;
  /** Ends a wait for 'drain' when the files are destroyed (a destroyed stream never drains). */
  const dropped = new AbortController();
  const write = async (stream: WriteStream, value: unknown): Promise<void> => {
    if (aborted) return;
    if (stream.write(`${JSON.stringify(value)}\n`)) return;
    await once(stream, 'drain', { signal: dropped.signal }).catch((e: unknown) => {
      if (!aborted) throw e;
    });
  };
  const requestId = (customId: string): string => derivedId('req_', batchId, customId);
  const lineId = (customId: string): string => derivedId('batch_req_', batchId, customId);
  const response = (customId: string, status: number, body: unknown, silent = false) => ({
    id: lineId(customId),
    custom_id: customId,
    response: { status_code: status, request_id: silent ? '' : requestId(customId), body },
    error: null,
  });

  return {
    counts: counts as Readonly<typeof counts>,
    usage: usage as Readonly<BatchUsage>,
    /** A completed request; `body` is the answer as sent (a Responses object, or the completion). */
    async success(customId: string, completion: ChatCompletion, body: unknown = completion) {
      addUsage(usage, completion);
      counts.completed++;
      counts.outputLines++;
      await write(out, response(customId, 200, body));
    },
    /**
     * A request answered with an HTTP error (its body as the API gives it); `silent`: the line
     * the real API writes with `status_code: 0` and no request id, counted as completed.
     */
    async httpError(customId: string, status: number, body: unknown, silent = false) {
      if (silent) counts.completed++;
      else counts.failed++;
      counts.errorLines++;
      await write(err, response(customId, status, body, silent));
    },
    /** A request with an `error` object; `failed`: it counts as a failed request. */
    async error(customId: string, code: string, message: string, failed: boolean) {
      if (failed) counts.failed++;
      counts.errorLines++;
      await write(err, {
        id: lineId(customId),
        custom_id: customId,
        response: null,
        error: { code, message },
      });
    },
    async close(): Promise<void> {
      out.end();
      err.end();
      await Promise.all([once(out, 'close'), once(err, 'close')]);
    },
    /** Drops the files: a write still under way fails once its stream is destroyed. */
    destroy(): void {
      aborted = true;
      dropped.abort();
      for (const stream of [out, err]) stream.on('error', () => undefined).destroy();
    },
  };
}

export type ResultFiles = ReturnType<typeof createResultFiles>;
