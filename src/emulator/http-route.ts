/**
 * A route of the OpenAI emulator's HTTP API (a method, a path pattern, a handler that returns a
 * reply), and the request pieces its routes share: the JSON body, integer query parameters and
 * the cursor page of the list endpoints.
 */
import type { IncomingMessage } from 'node:http';
import { apiErrors } from './api-errors.ts';
import type { HttpFaultT } from './faults.ts';

export type Handler = (
  req: IncomingMessage,
  params: string[],
  query: URLSearchParams,
  fault: HttpFaultT | undefined,
) => Reply | Promise<Reply>;

export type Reply = JsonReply | StreamReply;

export interface JsonReply {
  readonly json: unknown;
  readonly status?: number;
}

export interface StreamReply {
  readonly stream: NodeJS.ReadableStream;
  readonly contentType: string;
  readonly length: number;
  /** A partial answer to `Range: bytes=<start>-`. */
  readonly range?: { start: number; total: number };
}

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: Handler;
}

const MAX_JSON_BODY = 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
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

export function intParam(
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
export function listPage<T extends { id: string }>(
  data: T[],
  hasMore: boolean,
  emptyId: '' | null,
) {
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? emptyId,
    last_id: data[data.length - 1]?.id ?? emptyId,
    has_more: hasMore,
  };
}
