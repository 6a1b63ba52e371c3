/**
 * Writing a reply of the OpenAI emulator: a JSON answer with its length, a file's content as a
 * stream (200, or 206 with `content-range` for a byte range; a `trickle` or `cut_body` fault
 * changes how it is sent), and an error in the API's shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { ApiError, apiErrors } from './api-errors.ts';
import type { HttpFaultT } from './faults.ts';
import { cutBody, trickle } from './http-fault-effects.ts';
import type { StreamReply } from './http-route.ts';

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export async function sendStream(
  req: IncomingMessage,
  res: ServerResponse,
  reply: StreamReply,
  fault: HttpFaultT | undefined,
): Promise<void> {
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
    await trickle(reply.stream as AsyncIterable<Buffer>, res, fault);
  } else if (fault?.kind === 'cut_body') {
    await cutBody(req, res, reply.stream, reply.length);
  } else {
    await pipeline(reply.stream, res);
  }
}

/** The error as the API answers it (an unexpected one as a 500); a reply under way is cut. */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
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
