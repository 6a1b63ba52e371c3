/**
 * The HTTP face of the emulator (node:http): the routes of the Files and Batches API under
 * /v1, answers and errors in the API's shapes, `x-request-id` on every answer, Bearer auth, and
 * the HTTP-level fault hooks (status, dropped connection, slow answer, lost answer).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ApiError, apiErrors } from './api-errors.ts';
import { batchObject, SUPPORTED_ENDPOINTS, type BatchService } from './batch-service.ts';
import type { FileStore } from './file-store.ts';
import { unixSeconds } from './clock.ts';
import type { Faults, HttpFaultT } from './faults.ts';
import type { ChatBody, ChatCompletion } from './responder.ts';
import { OPENAI_EMULATOR_DIALECT, type EmulatorDialect } from './dialects.ts';
import type { BatchCreateLimit } from './create-limit.ts';
import { accountRefusal } from './account-refusals.ts';

export interface HttpApiDeps {
  readonly files: FileStore;
  readonly batches: BatchService;
  readonly faults: Faults;
  readonly now: () => number;
  readonly newRequestId: () => string;
  /** Brings batches up to date before a request is answered. */
  readonly tick: () => void;
  /** A synchronous chat completion (POST /v1/chat/completions). */
  readonly complete: (body: ChatBody) => Promise<ChatCompletion>;
  readonly stats: { requests: number; faults: number };
  /** The keys accepted; any non-empty key when absent. */
  readonly apiKeys?: readonly string[] | undefined;
  /** How long a new batch or file stays out of the list endpoints (a lagging listing). */
  readonly listLagMs?: number | undefined;
  /** The provider's API spoken (paths, auth, windows, expiries): OpenAI's when absent. */
  readonly dialect?: EmulatorDialect | undefined;
  /** The limit on batch creations per hour (create-limit.ts); none when absent. */
  readonly createLimit?: BatchCreateLimit | undefined;
}

type Handler = (
  req: IncomingMessage,
  params: string[],
  query: URLSearchParams,
  fault: HttpFaultT | undefined,
) => Reply | Promise<Reply>;
type Reply =
  | { readonly json: unknown; readonly status?: number }
  | {
      readonly stream: NodeJS.ReadableStream;
      readonly contentType: string;
      readonly length: number;
      /** A partial answer to `Range: bytes=<start>-`. */
      readonly range?: { start: number; total: number };
    };

const MAX_JSON_BODY = 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw apiErrors.badRequest('The request body is too large.');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw apiErrors.badRequest(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
    );
  }
}

function intParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw apiErrors.badRequest(
      `Invalid '${name}': integer between ${min} and ${max} expected, got '${raw}'.`,
      name,
    );
  }
  return n;
}

/**
 * A cursor page. ListFilesResponse requires `first_id` and `last_id` as strings even on an
 * empty page (an empty string then, as the API gives absent ids elsewhere); for batches they
 * may be null.
 */
/** The answer with every field but `object` null (in a list page, each item's). */
function wrongShape(json: unknown): unknown {
  const nulled = (o: unknown): unknown =>
    typeof o !== 'object' || o === null
      ? o
      : Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'object' ? v : null]));
  const page = json as { object?: unknown; data?: unknown };
  return page.object === 'list' && Array.isArray(page.data)
    ? { ...page, data: page.data.map(nulled) }
    : nulled(json);
}

async function trickle(
  content: AsyncIterable<Buffer>,
  res: ServerResponse,
  fault: { chunk_bytes?: number | undefined; delay_ms?: number | undefined },
): Promise<void> {
  const size = fault.chunk_bytes ?? 64;
  for await (const chunk of content) {
    for (let at = 0; at < chunk.length; at += size) {
      if (res.destroyed) return;
      res.write(chunk.subarray(at, at + size));
      await new Promise((r) => setTimeout(r, fault.delay_ms ?? 100));
    }
  }
  res.end();
}

function listPage<T extends { id: string }>(data: T[], hasMore: boolean, emptyId: '' | null) {
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? emptyId,
    last_id: data[data.length - 1]?.id ?? emptyId,
    has_more: hasMore,
  };
}

function checkMetadata(metadata: unknown): Record<string, string> | null {
  if (metadata === undefined || metadata === null) return null;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw apiErrors.badRequest("Invalid 'metadata': expected an object.", 'metadata');
  }
  const entries = Object.entries(metadata);
  if (entries.length > 16)
    throw apiErrors.badRequest("Invalid 'metadata': at most 16 keys.", 'metadata');
  for (const [k, v] of entries) {
    if (k.length > 64)
      throw apiErrors.badRequest(
        `Invalid 'metadata': key '${k.slice(0, 20)}…' is longer than 64 characters.`,
        'metadata',
      );
    if (typeof v !== 'string')
      throw apiErrors.badRequest(
        `Invalid 'metadata': value of '${k}' must be a string.`,
        'metadata',
      );
    if (v.length > 512)
      throw apiErrors.badRequest(
        `Invalid 'metadata': value of '${k}' is longer than 512 characters.`,
        'metadata',
      );
  }
  return metadata as Record<string, string>;
}

/** `output_expires_after: {anchor: "created_at", seconds: 3600..2592000}` (the dialect's range). */
function checkExpiresAfter(
  value: unknown,
  range: EmulatorDialect['outputExpiry'],
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (range === null) {
    throw apiErrors.badRequest(
      "Unrecognized request argument supplied: 'output_expires_after'.",
      'output_expires_after',
    );
  }
  const v = value as { anchor?: unknown; seconds?: unknown };
  if (
    typeof value !== 'object' ||
    v.anchor !== 'created_at' ||
    !Number.isInteger(v.seconds) ||
    (v.seconds as number) < range.minS ||
    (v.seconds as number) > range.maxS
  ) {
    throw apiErrors.badRequest(
      `Invalid 'output_expires_after': {anchor: 'created_at', seconds: ${range.minS} to ${range.maxS}} expected.`,
      'output_expires_after',
    );
  }
  return v.seconds as number;
}

export function createHttpApi(deps: HttpApiDeps) {
  const { files, batches } = deps;
  const lagMs = deps.listLagMs ?? 0;
  const dialect = deps.dialect ?? OPENAI_EMULATOR_DIALECT;

  const routes: { method: string; pattern: RegExp; handler: Handler }[] = [
    {
      method: 'POST',
      pattern: /^\/v1\/files$/,
      handler: async (req) => ({ json: await files.upload(req, deps.now()) }),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/files$/,
      handler: (_req, _p, q) => {
        const order = q.get('order') ?? 'desc';
        if (order !== 'asc' && order !== 'desc')
          throw apiErrors.badRequest("Invalid 'order': 'asc' or 'desc'.", 'order');
        const page = files.list({
          purpose: q.get('purpose') ?? undefined,
          limit: intParam(q, 'limit', 10_000, 1, 10_000),
          order,
          after: q.get('after') ?? undefined,
          createdUpTo: lagMs > 0 ? deps.now() - lagMs : undefined,
        });
        return { json: listPage(page.data, page.has_more, '') };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/files\/([^/]+)$/,
      handler: (_req, [id]) => {
        const f = files.get(id!);
        if (f === undefined) throw apiErrors.notFound('file', id!);
        return { json: f };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/files\/([^/]+)\/content$/,
      handler: (req, [id]) => {
        const f = files.get(id!);
        if (f === undefined) throw apiErrors.notFound('file', id!);
        // Byte ranges from an offset on (a resumed download), as HTTP servers answer them.
        const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
        if (start > 0 && start < f.bytes) {
          return {
            stream: files.contentStream(f.id, start),
            contentType: 'application/octet-stream',
            length: f.bytes - start,
            range: { start, total: f.bytes },
          };
        }
        return {
          stream: files.contentStream(f.id),
          contentType: 'application/octet-stream',
          length: f.bytes,
        };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v1\/files\/([^/]+)$/,
      handler: async (_req, [id]) => {
        if (!(await files.delete(id!))) throw apiErrors.notFound('file', id!);
        return { json: { id, object: 'file', deleted: true } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/batches$/,
      handler: async (req, _p, _q, fault) => {
        const body = (await readJson(req)) as Record<string, unknown>;
        if (typeof body.input_file_id !== 'string') {
          throw apiErrors.badRequest(
            "Missing required parameter: 'input_file_id'.",
            'input_file_id',
          );
        }
        if (fault?.kind === 'file_not_ready') {
          const f = files.get(body.input_file_id);
          if (f !== undefined && unixSeconds(deps.now()) - f.created_at < (fault.within_s ?? 60))
            throw apiErrors.fileNotReady(f.id);
        }
        const endpoint = dialect.endpoint(body.endpoint);
        if (!(SUPPORTED_ENDPOINTS as readonly unknown[]).includes(endpoint)) {
          throw apiErrors.badRequest(
            `Invalid 'endpoint': '${String(body.endpoint)}'; this emulator supports ${SUPPORTED_ENDPOINTS.join(', ')}.`,
            'endpoint',
          );
        }
        if (!dialect.completionWindows.includes(body.completion_window as string)) {
          throw apiErrors.badRequest(
            `Invalid 'completion_window': one of ${dialect.completionWindows.map((w) => `'${w}'`).join(', ')} expected.`,
            'completion_window',
          );
        }
        deps.createLimit?.admit();
        const b = await batches.create({
          input_file_id: body.input_file_id,
          endpoint: endpoint as string,
          completion_window: body.completion_window as string,
          metadata: checkMetadata(body.metadata),
          output_expires_after_s: checkExpiresAfter(
            body.output_expires_after,
            dialect.outputExpiry,
          ),
        });
        return { json: batchObject(b) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/batches$/,
      handler: (_req, _p, q) => {
        const limit = intParam(q, 'limit', 20, 1, 100);
        const upTo = deps.now() - lagMs;
        let all = lagMs > 0 ? batches.list().filter((b) => b.created_at <= upTo) : batches.list();
        const after = q.get('after');
        if (after !== null) {
          const i = all.findIndex((b) => b.id === after);
          all = i === -1 ? [] : all.slice(i + 1);
        }
        const page = all.slice(0, limit).map(batchObject) as { id: string }[];
        return { json: listPage(page, all.length > limit, null) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/batches\/([^/]+)$/,
      handler: (_req, [id]) => {
        const b = batches.get(id!);
        if (b === undefined) throw apiErrors.notFound('batch', id!);
        return { json: batchObject(b) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/batches\/([^/]+)\/cancel$/,
      handler: async (_req, [id]) => ({ json: batchObject(await batches.cancel(id!)) }),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/chat\/completions$/,
      handler: async (req) => {
        const body = (await readJson(req)) as ChatBody;
        if (typeof body.model !== 'string' || !Array.isArray(body.messages)) {
          throw apiErrors.badRequest(
            "The request body must have 'model' and 'messages'.",
            'messages',
          );
        }
        return { json: await deps.complete(body) };
      },
    },
  ];

  const sendJson = (
    res: ServerResponse,
    status: number,
    value: unknown,
    headers: Record<string, string> = {},
  ): void => {
    const body = JSON.stringify(value);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  };

  const drop = (req: IncomingMessage): void => {
    req.socket.destroy();
  };

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    deps.stats.requests++;
    res.setHeader('x-request-id', deps.newRequestId());
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    try {
      // The provider's paths and auth; the routes and faults below know OpenAI's paths.
      const path = dialect.route(req, url, deps.apiKeys);

      const fault = deps.faults.forHttp(method, path);
      if (fault !== undefined) deps.stats.faults++;
      if (fault?.kind === 'drop') {
        drop(req);
        return;
      }
      if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delay_ms ?? 5000));
      if (fault?.kind === 'insufficient_quota') {
        req.resume();
        throw apiErrors.insufficientQuota();
      }
      const refused = accountRefusal(fault);
      if (refused !== undefined) {
        req.resume();
        throw refused;
      }
      if (fault?.kind === 'status') {
        req.resume();
        const status = fault.status ?? 500;
        throw status === 429
          ? apiErrors.rateLimited(fault.retry_after_s ?? 1)
          : status >= 500
            ? apiErrors.server(status)
            : apiErrors.permanent(status);
      }

      const route = routes.find((r) => r.method === method && r.pattern.test(path));
      if (route === undefined) throw apiErrors.unknownRoute(method, path);
      deps.tick();
      const params = route.pattern.exec(path)!.slice(1);
      const reply = await route.handler(req, params, url.searchParams, fault);
      if (fault?.kind === 'lose_answer') {
        // The work is done (the batch exists, the file is stored), the answer never arrives.
        drop(req);
        return;
      }
      if ('stream' in reply) {
        const headers: Record<string, string | number> = {
          'content-type': reply.contentType,
          'content-length': reply.length,
          'accept-ranges': 'bytes',
        };
        if (reply.range !== undefined) {
          const { start, total } = reply.range;
          headers['content-range'] = `bytes ${start}-${total - 1}/${total}`;
        }
        res.writeHead(reply.range === undefined ? 200 : 206, headers);
        if (fault?.kind === 'trickle') {
          // The content, a few bytes at a time: a download that never stalls, never ends soon.
          await trickle(reply.stream as AsyncIterable<Buffer>, res, fault);
          return;
        }
        if (fault?.kind === 'cut_body') {
          // Half of the content, then the connection goes.
          let sent = 0;
          const half = Math.floor(reply.length / 2);
          for await (const chunk of reply.stream as AsyncIterable<Buffer>) {
            const part = chunk.subarray(0, Math.max(0, half - sent));
            if (part.length > 0) res.write(part);
            sent += part.length;
            if (sent >= half) break;
          }
          (reply.stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
          await new Promise((r) => setTimeout(r, 20));
          drop(req);
          return;
        }
        await pipeline(reply.stream, res);
        return;
      }
      sendJson(
        res,
        reply.status ?? 200,
        fault?.kind === 'wrong_shape' ? wrongShape(reply.json) : reply.json,
      );
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      req.resume();
      if (err instanceof ApiError) {
        sendJson(res, err.status, err.body, err.headers);
      } else {
        sendJson(res, 500, apiErrors.server(500).body);
      }
    }
  };
}
