/**
 * `slicebatch emulator --provider anthropic`: the Message Batches API over real HTTP, for tests,
 * demos and `run --emulator --provider anthropic`. Routes under /v1/messages/batches: create,
 * retrieve, list (newest first, `before_id`/`after_id`/`limit`), cancel, delete, results (JSONL).
 *
 * What it holds callers to, as the API does: a key (`x-api-key`, or `Authorization: Bearer`
 * as the SDK's 1.x line sends it), an `anthropic-version` header, a body of at most 256 MB (413
 * `request_too_large` beyond), at most 100,000 requests, custom_ids of 1 to 64 characters of
 * `[a-zA-Z0-9_-]`, unique in the batch, and, under version 2026-10-21, no `temperature`,
 * `top_p` or `top_k` in a request's params. Faults come from the same profile as the OpenAI
 * emulator's (faults.ts): HTTP (`status`, `drop`, `slow`, `lose_answer`, `wrong_shape`), batches (`expire`),
 * requests (error_4xx, error_object, invalid_json, reasoning_length), `list_lag_s`.
 */
import { settleBatches } from '../settle.ts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Schedule } from '../batch-lifecycle.ts';
import { systemClock, type EmulatorClock } from '../clock.ts';
import { createFaults, NO_FAULTS, type FaultProfile } from '../faults.ts';
import { createIdGenerator } from '../ids.ts';
import { DEMO_SCHEDULE } from '../emulator.ts';
import { messageBatchObject, openMessageBatches } from './message-batches.ts';
import { checkRequests, HttpError, readBody } from './request-checks.ts';

export const ANTHROPIC_VERSIONS = ['2023-06-01', '2026-10-21'] as const;

export interface AnthropicEmulatorOptions {
  readonly host?: string;
  readonly port?: number;
  readonly stateDir?: string | undefined;
  readonly clock?: EmulatorClock;
  readonly schedule?: Partial<Schedule>;
  readonly faults?: FaultProfile;
  readonly seed?: number;
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

/** A 200 of the wrong shape (the work done): every field but `type` null, in a list each item's. */
function wrongShape(json: unknown): unknown {
  const nulls = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'type' ? v : null]));
  const o = json as Record<string, unknown>;
  return Array.isArray(o['data'])
    ? { ...o, data: (o['data'] as Record<string, unknown>[]).map(nulls) }
    : nulls(o);
}

export async function startAnthropicEmulator(
  options: AnthropicEmulatorOptions = {},
): Promise<AnthropicEmulator> {
  const clock = options.clock ?? systemClock;
  const profile = options.faults ?? NO_FAULTS;
  const faults = createFaults(profile);
  const seed = options.seed ?? profile.seed;
  const ids = createIdGenerator(seed);
  const persist = options.stateDir !== undefined;
  const root = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'slicebatch-anthropic-')));
  await mkdir(root, { recursive: true });
  const maxBytes = options.maxBatchBytes ?? 256 * 1024 * 1024;
  const maxRequests = options.maxRequestsPerBatch ?? 100_000;
  const store = await openMessageBatches({
    root,
    clock,
    schedule: { ...DEMO_SCHEDULE, ...options.schedule },
    faults,
    seed,
    newId: () => `msgbatch_${ids.batch().replace(/^batch_/, '')}`,
  });
  const counters = { requests: 0, faults: 0 };
  let baseUrl = '';

  const send = (
    res: ServerResponse,
    status: number,
    json: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const text = JSON.stringify(json);
    res.writeHead(status, {
      'content-type': 'application/json',
      'request-id': ids.request(),
      ...headers,
    });
    res.end(text);
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests++;
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const key =
      req.headers['x-api-key'] ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (
      typeof key !== 'string' ||
      key === '' ||
      (options.apiKeys !== undefined && !options.apiKeys.includes(key))
    ) {
      throw new HttpError(401, 'authentication_error', 'invalid x-api-key');
    }
    const version = req.headers['anthropic-version'];
    if (
      typeof version !== 'string' ||
      !(ANTHROPIC_VERSIONS as readonly string[]).includes(version)
    ) {
      throw new HttpError(
        400,
        'invalid_request_error',
        'anthropic-version: header is required and must be a known version',
      );
    }
    const fault = faults.forHttp(method, url.pathname);
    if (fault !== undefined) {
      counters.faults++;
      if (fault.kind === 'status' && fault.status !== undefined) {
        const type =
          fault.status === 429
            ? 'rate_limit_error'
            : fault.status >= 500
              ? 'api_error'
              : 'invalid_request_error';
        send(
          res,
          fault.status,
          { type: 'error', error: { type, message: 'emulated fault' } },
          fault.retry_after_s === undefined ? {} : { 'retry-after': String(fault.retry_after_s) },
        );
        return;
      }
      if (fault.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delay_ms ?? 1000));
    }
    store.tick();
    const lose = fault?.kind === 'lose_answer';
    const reply = (status: number, json: unknown): void => {
      if (lose) req.socket.destroy();
      else if (fault?.kind === 'wrong_shape') send(res, status, wrongShape(json));
      else send(res, status, json);
    };
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'v1' || parts[1] !== 'messages' || parts[2] !== 'batches') {
      throw new HttpError(404, 'not_found_error', `${method} ${url.pathname}: no such route`);
    }
    const id = parts[3];
    if (id === undefined && method === 'POST') {
      const requests = checkRequests(await readBody(req, maxBytes), version, maxRequests);
      const b = await store.create(requests);
      reply(200, messageBatchObject(b, baseUrl));
      return;
    }
    if (id === undefined && method === 'GET') {
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 20)));
      const lagMs = profile.list_lag_s * 1000;
      let list = [...store.batches].filter((b) => clock.now() - b.createdMs >= lagMs).reverse();
      const after = url.searchParams.get('after_id');
      const before = url.searchParams.get('before_id');
      if (after !== null) list = list.slice(list.findIndex((b) => b.id === after) + 1);
      if (before !== null)
        list = list.slice(
          0,
          Math.max(
            0,
            list.findIndex((b) => b.id === before),
          ),
        );
      const page = list.slice(0, limit);
      reply(200, {
        data: page.map((b) => messageBatchObject(b, baseUrl)),
        has_more: list.length > limit,
        first_id: page[0]?.id ?? null,
        last_id: page[page.length - 1]?.id ?? null,
      });
      return;
    }
    const b = id === undefined ? undefined : store.get(id);
    if (b === undefined)
      throw new HttpError(404, 'not_found_error', `message batch ${id} not found`);
    const action = parts[4];
    if (action === undefined && method === 'GET') return reply(200, messageBatchObject(b, baseUrl));
    if (action === 'cancel' && method === 'POST') {
      await store.cancel(b);
      return reply(200, messageBatchObject(b, baseUrl));
    }
    if (action === 'results' && method === 'GET') {
      if (b.status !== 'ended')
        throw new HttpError(400, 'invalid_request_error', `batch ${b.id} has not ended yet`);
      res.writeHead(200, { 'content-type': 'application/binary', 'request-id': ids.request() });
      await pipeline(createReadStream(store.resultsPath(b.id)), res);
      return;
    }
    throw new HttpError(405, 'invalid_request_error', `${method} ${url.pathname}: not allowed`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) {
        send(res, err.status, { type: 'error', error: { type: err.type, message: err.message } });
      } else {
        send(res, 500, { type: 'error', error: { type: 'api_error', message: String(err) } });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;
  const tickMs = options.tickMs ?? (clock === systemClock ? 100 : 0);
  const timer = tickMs > 0 ? setInterval(() => store.tick(), tickMs) : undefined;
  timer?.unref();
  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    port: address.port,
    tick: () => store.tick(),
    settle: () => settleBatches(store),
    stats: () => ({
      ...counters,
      batchesCreated: store.stats.created,
      duplicateBatches: store.stats.duplicateBatches,
      requestsBilledTwice: store.stats.billedTwice,
    }),
    close() {
      closing ??= (async () => {
        if (timer !== undefined) clearInterval(timer);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await Promise.allSettled(store.pending());
        if (!persist) await rm(root, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
