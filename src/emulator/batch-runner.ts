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
import PQueue from 'p-queue';
import type { EncodingName, TokenCounter } from '../domain/token-counter.ts';
import { builtInAnswer } from './builtin-answer.ts';
import { unixSeconds } from './clock.ts';
import { REQUEST_OUTCOMES, type Faults } from './faults.ts';
import {
  openRequestLinesInFinishOrder,
  type ParsedLine,
  type RequestLines,
} from './request-lines.ts';
import type { ChatBody, ChatCompletion } from './responder.ts';
import { createResultFiles, type BatchUsage, type ResultFiles } from './result-files.ts';

export type { BatchUsage } from './result-files.ts';

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
  const results = createResultFiles(options.batchId, options.outputPath, options.errorPath);
  // Requests finish in another order than the input's (finish-order.ts).
  const lines = openRequestLinesInFinishOrder(options.inputPath, options.seed);
  let stopped = false;
  /** Requests started but not finished (upstream mode): reported as unfinished if stopped. */
  const inFlight = new Map<string, ParsedLine>();
  let upstreamDone: Promise<void> | undefined;

  return {
    get processed(): number {
      return results.counts.completed + results.counts.failed;
    },
    get completed(): number {
      return results.counts.completed;
    },
    get failed(): number {
      return results.counts.failed;
    },
    get usage(): BatchUsage {
      return results.usage;
    },
    /** Upstream mode: all requests are answered. */
    get upstreamFinished(): boolean {
      return lines.exhausted && inFlight.size === 0 && upstreamDone !== undefined;
    },

    /** Responder mode: finish requests until `target` are done. */
    async advance(target: number): Promise<void> {
      if (options.upstream !== undefined) {
        upstreamDone ??= runUpstream(options.upstream, lines, results, inFlight, () => stopped);
        return;
      }
      while (!stopped && results.counts.completed + results.counts.failed < target) {
        const line = await lines.next();
        if (line === undefined) return;
        await answer(line, options, results);
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
        await reportUnfinished(UNFINISHED[unfinished], lines, inFlight, results);
      }
      await upstreamDone;
      await lines.close();
      await results.close();
      return { outputLines: results.counts.outputLines, errorLines: results.counts.errorLines };
    },

    /** Drops the run (the emulator is closing). */
    async abort(): Promise<void> {
      stopped = true;
      results.destroy();
      await lines.close();
    },
  };
}

/** The built-in responder's answer to one request, with its fault, written to its file. */
async function answer(line: ParsedLine, options: RunnerOptions, results: ResultFiles) {
  const decision = options.failAll
    ? { outcome: REQUEST_OUTCOMES.error_4xx, status: 400 }
    : options.faults.forRequest(line.customId);
  const a = builtInAnswer(line, decision, {
    seed: options.seed,
    createdSeconds: unixSeconds(options.now()),
    counterFor: options.counterFor,
    endpoint: options.endpoint,
  });
  if (a.kind === 'success') return results.success(line.customId, a.completion, a.body);
  if (a.kind === 'http_error')
    return results.httpError(line.customId, a.status, a.body, a.silent === true);
  return results.error(line.customId, a.code, a.message, true);
}

/** Every request not answered (in flight upstream, or not read yet) gets the error line. */
async function reportUnfinished(
  { code, message }: (typeof UNFINISHED)[keyof typeof UNFINISHED],
  lines: RequestLines,
  inFlight: Map<string, ParsedLine>,
  results: ResultFiles,
): Promise<void> {
  for (const line of inFlight.values()) await results.error(line.customId, code, message, false);
  inFlight.clear();
  for (let line = await lines.next(); line !== undefined; line = await lines.next()) {
    await results.error(line.customId, code, message, false);
  }
}

/**
 * Upstream mode: the requests go to the upstream server, at most `concurrency` at a time, each
 * answer written as it comes; one that comes after the run stopped is dropped (its request is
 * then reported unfinished by `finish`).
 */
function runUpstream(
  upstream: { call: UpstreamCall; concurrency: number },
  lines: RequestLines,
  results: ResultFiles,
  inFlight: Map<string, ParsedLine>,
  stopped: () => boolean,
): Promise<void> {
  const { call, concurrency } = upstream;
  const queue = new PQueue({ concurrency });
  return (async () => {
    for (;;) {
      if (stopped()) break;
      await queue.onSizeLessThan(concurrency);
      const line = await lines.next();
      if (line === undefined) break;
      inFlight.set(line.customId, line);
      void queue.add(async () => {
        const result = await call(line.body);
        if (stopped() || !inFlight.delete(line.customId)) return;
        if (result.ok) await results.success(line.customId, result.completion);
        else if (result.status !== null)
          await results.httpError(line.customId, result.status, result.body);
        else await results.error(line.customId, 'server_error', result.message, true);
      });
    }
    await queue.onIdle();
  })();
}

export type BatchRunner = ReturnType<typeof createBatchRunner>;
