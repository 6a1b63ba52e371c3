/**
 * Running the requests of one batch into its result files. The input file is read as a stream
 * and each finished request is appended to the output file (a response) or the error file (an
 * error), so memory does not grow with the batch.
 *
 * With the built-in responder, requests finish as the emulator's clock allows (`advance(n)`:
 * the first n requests are done); with an upstream server, as fast as it answers, a bounded
 * number at a time. When the batch stops early (expired, cancelled), every request not finished
 * gets an error line (`batch_expired`, `batch_cancelled`), so each request of the input is in
 * exactly one of the two files.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import PQueue from 'p-queue';
import type { EncodingName, TokenCounter } from '../domain/token-counter.ts';
import { readLineBatches, type RawLine } from '../storage/jsonl-lines.ts';
import { unixSeconds } from './clock.ts';
import { REQUEST_OUTCOMES, type Faults } from './faults.ts';
import { derivedId } from './ids.ts';
import { inFinishOrder } from './finish-order.ts';
import { chatBodyOfResponses, responsesObject } from './responses-object.ts';
import {
  cachedTokensOf,
  promptTokensOfBody,
  respond,
  type ChatBody,
  type ChatCompletion,
} from './responder.ts';

export interface BatchUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** Answers one request from a real chat-completions server (see upstream.ts). */
export type UpstreamCall = (
  body: ChatBody,
) => Promise<
  | { ok: true; completion: ChatCompletion }
  | { ok: false; status: number | null; body: unknown; message: string }
>;

export interface RunnerOptions {
  readonly batchId: string;
  readonly inputPath: string;
  readonly outputPath: string;
  readonly errorPath: string;
  readonly seed: number;
  readonly faults: Faults;
  /** Every request fails (a batch completed with no output file). */
  readonly failAll: boolean;
  readonly counterFor: (e: EncodingName) => TokenCounter;
  readonly now: () => number;
  readonly upstream?: { call: UpstreamCall; concurrency: number } | undefined;
  /** The batch's endpoint: `/v1/responses` lines are answered with Response objects. */
  readonly endpoint?: string | undefined;
}

interface ParsedLine {
  readonly customId: string;
  readonly body: ChatBody;
}

export const UNFINISHED = {
  expired: {
    code: 'batch_expired',
    message: 'This request could not be executed before the completion window expired.',
  },
  cancelled: {
    code: 'batch_cancelled',
    message: 'This request was not executed because the batch was cancelled.',
  },
} as const;

export function createBatchRunner(options: RunnerOptions) {
  const out: WriteStream = createWriteStream(options.outputPath);
  const err: WriteStream = createWriteStream(options.errorPath);
  const usage: BatchUsage = {
    input_tokens: 0,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 0,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 0,
  };
  const counts = { completed: 0, failed: 0, outputLines: 0, errorLines: 0 };
  let stopped = false;
  let pendingLines: RawLine[] = [];
  const lines = readLineBatches(options.inputPath)[Symbol.asyncIterator]();
  let exhausted = false;
  /** Requests started but not finished (upstream mode): reported as unfinished if stopped. */
  const inFlight = new Map<string, ParsedLine>();

  /** The run was dropped (the emulator is closing): its files are destroyed, nothing is written. */
  let aborted = false;
  const write = async (stream: WriteStream, value: unknown): Promise<void> => {
    if (aborted) return;
    if (stream.write(`${JSON.stringify(value)}\n`)) return;
    await once(stream, 'drain').catch((err: unknown) => {
      if (!aborted) throw err;
    });
  };

  const nextInputLine = async (): Promise<ParsedLine | undefined> => {
    for (;;) {
      if (pendingLines.length === 0) {
        if (exhausted) return undefined;
        const next = await lines.next();
        if (next.done) {
          exhausted = true;
          return undefined;
        }
        pendingLines = next.value;
      }
      const raw = pendingLines.shift()!;
      // The file was validated: every line is a request.
      if (raw.kind !== 'text') continue;
      const v = JSON.parse(raw.text) as { custom_id: string; body: ChatBody };
      return { customId: v.custom_id, body: v.body };
    }
  };
  // Requests finish in another order than the input's (finish-order.ts).
  const nextLine = inFinishOrder(nextInputLine, options.seed, options.batchId);

  const requestId = (customId: string): string => derivedId('req_', options.batchId, customId);
  const lineId = (customId: string): string => derivedId('batch_req_', options.batchId, customId);

  const recordSuccess = async (
    customId: string,
    completion: ChatCompletion,
    body: unknown = completion,
  ): Promise<void> => {
    usage.input_tokens += completion.usage.prompt_tokens;
    usage.input_tokens_details.cached_tokens +=
      completion.usage.prompt_tokens_details.cached_tokens;
    usage.output_tokens += completion.usage.completion_tokens;
    usage.output_tokens_details.reasoning_tokens +=
      completion.usage.completion_tokens_details.reasoning_tokens;
    usage.total_tokens += completion.usage.total_tokens;
    counts.completed++;
    counts.outputLines++;
    await write(out, {
      id: lineId(customId),
      custom_id: customId,
      response: { status_code: 200, request_id: requestId(customId), body },
      error: null,
    });
  };
  const recordHttpError = async (
    customId: string,
    status: number,
    body: unknown,
  ): Promise<void> => {
    counts.failed++;
    counts.errorLines++;
    await write(err, {
      id: lineId(customId),
      custom_id: customId,
      response: { status_code: status, request_id: requestId(customId), body },
      error: null,
    });
  };
  const recordError = async (
    customId: string,
    code: string,
    message: string,
    countsAsFailed: boolean,
  ): Promise<void> => {
    if (countsAsFailed) counts.failed++;
    counts.errorLines++;
    await write(err, {
      id: lineId(customId),
      custom_id: customId,
      response: null,
      error: { code, message },
    });
  };

  /** The built-in responder's answer to one request, with its fault. */
  const answer = async (line: ParsedLine): Promise<void> => {
    const decision = options.failAll
      ? { outcome: REQUEST_OUTCOMES.error_4xx, status: 400 }
      : options.faults.forRequest(line.customId);
    switch (decision.outcome) {
      case REQUEST_OUTCOMES.error_4xx:
        return recordHttpError(line.customId, decision.status ?? 400, {
          error: {
            message: `(emulated fault) Invalid request for ${line.customId}.`,
            type: 'invalid_request_error',
            param: null,
            code: decision.code ?? null,
          },
        });
      case REQUEST_OUTCOMES.error_object:
        return recordError(
          line.customId,
          decision.code ?? 'server_error',
          '(emulated fault) The server had an error while processing this request.',
          true,
        );
      default: {
        const responses = options.endpoint === '/v1/responses';
        const body = responses ? chatBodyOfResponses(line.body) : line.body;
        // Counted on the body as sent (a Responses body's schema is `text.format`).
        const promptTokens = promptTokensOfBody(line.body, options.counterFor);
        const completion = respond(line.customId, body, options.counterFor, {
          seed: options.seed,
          createdSeconds: unixSeconds(options.now()),
          invalidJson: decision.outcome === REQUEST_OUTCOMES.invalid_json,
          ungrounded: decision.outcome === REQUEST_OUTCOMES.ungrounded,
          reasoningExhausted:
            decision.outcome === REQUEST_OUTCOMES.reasoning_length &&
            (decision.minBudget === undefined ||
              (body.max_completion_tokens ?? 0) < decision.minBudget),
          promptTokens,
          cachedTokens: cachedTokensOf(body, promptTokens, options.counterFor),
        });
        if (responses) {
          const answer = responsesObject(line.customId, line.body, completion);
          return recordSuccess(line.customId, completion, answer);
        }
        return recordSuccess(line.customId, completion);
      }
    }
  };

  let upstreamDone: Promise<void> | undefined;
  const runUpstream = (call: UpstreamCall, concurrency: number): Promise<void> => {
    const queue = new PQueue({ concurrency });
    return (async () => {
      for (;;) {
        if (stopped) break;
        await queue.onSizeLessThan(concurrency);
        const line = await nextLine();
        if (line === undefined) break;
        inFlight.set(line.customId, line);
        void queue.add(async () => {
          const result = await call(line.body);
          if (stopped || !inFlight.delete(line.customId)) return;
          if (result.ok) await recordSuccess(line.customId, result.completion);
          else if (result.status !== null)
            await recordHttpError(line.customId, result.status, result.body);
          else await recordError(line.customId, 'server_error', result.message, true);
        });
      }
      await queue.onIdle();
    })();
  };

  return {
    get processed(): number {
      return counts.completed + counts.failed;
    },
    get completed(): number {
      return counts.completed;
    },
    get failed(): number {
      return counts.failed;
    },
    get usage(): BatchUsage {
      return usage;
    },
    /** Upstream mode: all requests are answered. */
    get upstreamFinished(): boolean {
      return exhausted && inFlight.size === 0 && upstreamDone !== undefined;
    },

    /** Responder mode: finish requests until `target` are done. */
    async advance(target: number): Promise<void> {
      if (options.upstream !== undefined) {
        upstreamDone ??= runUpstream(options.upstream.call, options.upstream.concurrency);
        return;
      }
      while (!stopped && counts.completed + counts.failed < target) {
        const line = await nextLine();
        if (line === undefined) return;
        await answer(line);
      }
    },

    /** Waits for the upstream requests in flight (upstream mode). */
    async drain(): Promise<void> {
      await upstreamDone;
    },

    /** The upstream run while it is going on (upstream mode), for the emulator's settle(). */
    activity(): Promise<void> | undefined {
      return this.upstreamFinished ? undefined : upstreamDone;
    },

    /**
     * Closes the result files. `unfinished`: the batch stopped early; every request not answered
     * gets that error line. Returns how many lines each file has.
     */
    async finish(
      unfinished?: keyof typeof UNFINISHED,
      /** Fault: the unfinished requests get no line at all. */
      withoutUnfinishedLines = false,
    ): Promise<{ outputLines: number; errorLines: number }> {
      stopped = true;
      if (unfinished !== undefined && !withoutUnfinishedLines) {
        const { code, message } = UNFINISHED[unfinished];
        for (const line of inFlight.values())
          await recordError(line.customId, code, message, false);
        inFlight.clear();
        for (let line = await nextLine(); line !== undefined; line = await nextLine()) {
          await recordError(line.customId, code, message, false);
        }
      }
      await upstreamDone;
      await lines.return?.(undefined);
      out.end();
      err.end();
      await Promise.all([once(out, 'close'), once(err, 'close')]);
      return { outputLines: counts.outputLines, errorLines: counts.errorLines };
    },

    /** Drops the run (the emulator is closing). */
    async abort(): Promise<void> {
      stopped = true;
      aborted = true;
      await lines.return?.(undefined);
      // A write still under way fails once its stream is destroyed: nobody reads these files.
      for (const stream of [out, err]) stream.on('error', () => undefined).destroy();
    },
  };
}

export type BatchRunner = ReturnType<typeof createBatchRunner>;
