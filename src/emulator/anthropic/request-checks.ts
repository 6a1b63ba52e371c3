/**
 * What the emulated Message Batches API refuses, as the real one does: a body over the size
 * limit (413 `request_too_large`), a body that is not JSON, no requests or too many, a custom_id
 * outside 1 to 64 characters of `[a-zA-Z0-9_-]` or repeated, a request without model,
 * max_tokens or messages, and (under version 2026-10-21) `temperature`, `top_p` or `top_k`.
 */
import type { IncomingMessage } from 'node:http';
import type { BatchRequest } from './message-batch-record.ts';

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

export class HttpError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

export async function readBody(req: IncomingMessage, max: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooLarge = (): HttpError =>
    new HttpError(413, 'request_too_large', `Request exceeds the maximum size of ${max} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  let over = Number.isFinite(declared) && declared > max;
  // Read to the end even when too large (and keep nothing): a client still sending when the
  // connection closes may see a reset instead of the 413.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    over ||= size > max;
    if (!over) chunks.push(chunk);
  }
  if (over) throw tooLarge();
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_request_error', 'The request body is not valid JSON.');
  }
}

export function checkRequests(body: unknown, version: string, maxRequests: number): BatchRequest[] {
  const requests = (body as { requests?: unknown } | null)?.requests;
  const bad = (message: string): HttpError => new HttpError(400, 'invalid_request_error', message);
  if (!Array.isArray(requests) || requests.length === 0)
    throw bad('requests: at least one request is required');
  if (requests.length > maxRequests)
    throw bad(`requests: at most ${maxRequests} requests per batch`);
  const seen = new Set<string>();
  for (const [i, r] of (requests as BatchRequest[]).entries()) {
    if (typeof r.custom_id !== 'string' || !CUSTOM_ID.test(r.custom_id)) {
      throw bad(`requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
    }
    if (seen.has(r.custom_id))
      throw bad(`requests.${i}.custom_id: duplicate custom_id ${r.custom_id}`);
    seen.add(r.custom_id);
    const p = r.params as unknown as Record<string, unknown> | undefined;
    if (
      typeof p?.['model'] !== 'string' ||
      !Number.isInteger(p['max_tokens']) ||
      !Array.isArray(p['messages'])
    ) {
      throw bad(`requests.${i}.params: model, max_tokens and messages are required`);
    }
    if (version === '2026-10-21') {
      for (const k of ['temperature', 'top_p', 'top_k']) {
        if (k in p) throw bad(`requests.${i}.params.${k}: Extra inputs are not permitted`);
      }
    }
  }
  return requests as BatchRequest[];
}
