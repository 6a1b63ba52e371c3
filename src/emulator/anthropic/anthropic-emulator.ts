/**
 * `slicebatch emulator --provider anthropic`: the Message Batches API over real HTTP, for tests,
 * demos and `run --emulator --provider anthropic`. Routes under /v1/messages/batches: create,
 * retrieve, list (newest first, `before_id`/`after_id`/`limit`), cancel, results (JSONL); a
 * delete is not emulated (405). The routes are in message-batches-routes.ts, the API's HTTP
 * conventions in anthropic-http.ts, the batches in message-batches.ts; this file wires them.
 *
 * What it holds callers to, as the API does: a key (`x-api-key`, or `Authorization: Bearer`
 * as the SDK's 1.x line sends it), an `anthropic-version` header, a body of at most 256 MB (413
 * `request_too_large` beyond), at most 100,000 requests, custom_ids of 1 to 64 characters of
 * `[a-zA-Z0-9_-]`, unique in the batch, and, under version 2026-10-21, no `temperature`,
 * `top_p` or `top_k` in a request's params. Faults come from the same profile as the OpenAI
 * emulator's (faults.ts): HTTP (`status`, `drop`, `slow`, `lose_answer`, `wrong_shape`), batches (`expire`),
 * requests (error_4xx, error_object, invalid_json, reasoning_length), `list_lag_s`.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { systemClock } from '../clock.ts';
import { DEMO_SCHEDULE } from '../emulator.ts';
import { emulatorRoot, serveEmulator, type CommonEmulatorOptions } from '../emulator-server.ts';
import { createFaults, NO_FAULTS, type Faults } from '../faults.ts';
import { createIdGenerator } from '../ids.ts';
import { settleBatches } from '../settle.ts';
import { wrongShape } from '../wrong-shape.ts';
import { checkCaller, faultBeforeRoute, sendError, sendJson } from './anthropic-http.ts';
import { openMessageBatches, type MessageBatches } from './message-batches.ts';
import { messageBatchesRoutes } from './message-batches-routes.ts';

export { ANTHROPIC_VERSIONS } from './anthropic-http.ts';

export interface AnthropicEmulatorOptions extends CommonEmulatorOptions {
  readonly maxRequestsPerBatch?: number;
  readonly maxBatchBytes?: number;
  readonly apiKeys?: readonly string[] | undefined;
  readonly tickMs?: number;
}

export interface AnthropicEmulatorStats {
  readonly requests: number;
  readonly faults: number;
  readonly batchesCreated: number;
  /** Batches whose requests (custom_ids) repeat an earlier batch's. */
  readonly duplicateBatches: number;
  /** Requests answered (so billed) in more than one batch. */
  readonly requestsBilledTwice: number;
}

export interface AnthropicEmulator {
  /** The base URL for the SDK (no /v1: the SDK adds it). */
  readonly url: string;
  readonly port: number;
  tick(): void;
  settle(): Promise<void>;
  stats(): AnthropicEmulatorStats;
  close(): Promise<void>;
}

interface RequestContext {
  readonly counters: { requests: number; faults: number };
  readonly faults: Faults;
  readonly apiKeys: readonly string[] | undefined;
  readonly ids: ReturnType<typeof createIdGenerator>;
  readonly store: MessageBatches;
  readonly answer: ReturnType<typeof messageBatchesRoutes>;
}

/**
 * One request: the caller checked, its HTTP fault applied, the batches brought up to date,
 * then the route's answer written (a results file streamed; a JSON answer lost or of the wrong
 * shape when the fault says so).
 */
async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
): Promise<void> {
  const { counters, ids } = ctx;
  counters.requests++;
  const url = new URL(req.url ?? '/', 'http://emulator');
  const version = checkCaller(req, ctx.apiKeys);
  const fault = ctx.faults.forHttp(req.method ?? 'GET', url.pathname);
  if (fault !== undefined) {
    counters.faults++;
    if (await faultBeforeRoute(req, res, () => ids.request(), fault)) return;
  }
  ctx.store.tick();
  const reply = await ctx.answer(req, url, version);
  if ('resultsPath' in reply) {
    res.writeHead(200, { 'content-type': 'application/binary', 'request-id': ids.request() });
    await pipeline(createReadStream(reply.resultsPath), res);
  } else if (fault?.kind === 'lose_answer') {
    req.socket.destroy();
  } else {
    const json = fault?.kind === 'wrong_shape' ? wrongShape(reply.json, 'type') : reply.json;
    sendJson(res, ids.request(), 200, json);
  }
}

export async function startAnthropicEmulator(
  options: AnthropicEmulatorOptions = {},
): Promise<AnthropicEmulator> {
  const clock = options.clock ?? systemClock;
  const profile = options.faults ?? NO_FAULTS;
  const faults = createFaults(profile);
  const seed = options.seed ?? profile.seed;
  const ids = createIdGenerator();
  const state = await emulatorRoot(options.stateDir, 'slicebatch-anthropic-');
  const store = await openMessageBatches({
    root: state.root,
    clock,
    schedule: { ...DEMO_SCHEDULE, ...options.schedule },
    faults,
    seed,
    newId: () => `msgbatch_${ids.batch().replace(/^batch_/, '')}`,
  });
  const counters = { requests: 0, faults: 0 };
  let baseUrl = '';
  const answer = messageBatchesRoutes({
    store,
    maxBytes: options.maxBatchBytes ?? 256 * 1024 * 1024,
    maxRequests: options.maxRequestsPerBatch ?? 100_000,
    baseUrl: () => baseUrl,
    now: () => clock.now(),
    lagMs: profile.list_lag_s * 1000,
  });

  const route = (req: IncomingMessage, res: ServerResponse) =>
    handleRequest(req, res, { counters, faults, apiKeys: options.apiKeys, ids, store, answer });

  const server = await serveEmulator(
    (req, res) => {
      route(req, res).catch((err: unknown) => sendError(res, ids.request(), err));
    },
    {
      host: options.host,
      port: options.port,
      tick: () => store.tick(),
      tickMs: options.tickMs ?? (clock === systemClock ? 100 : 0),
      release: async () => {
        await Promise.allSettled(store.pending());
        await state.release();
      },
    },
  );
  baseUrl = server.origin;
  return {
    url: baseUrl,
    port: server.port,
    tick: () => store.tick(),
    settle: () => settleBatches(store),
    stats: () => ({
      ...counters,
      batchesCreated: store.stats.created,
      duplicateBatches: store.stats.duplicateBatches,
      requestsBilledTwice: store.stats.billedTwice,
    }),
    close: () => server.close(),
  };
}
