/**
 * What an HTTP fault does to a request of the OpenAI emulator. Before the route: `drop` (the
 * connection goes), `slow` (the answer waits), `insufficient_quota` and `status` (an error
 * answer), `gateway_html` (a proxy's HTML error page, at the server's time `nowMs`). To a file
 * download: `trickle` (a few bytes at a time) and `cut_body` (half of the content, then the
 * connection goes). `lose_answer` and `wrong_shape` act on the answer in
 * http-api.ts; `file_not_ready` in the batch create route.
 */
import { accountRefusal } from './account-refusals.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiErrors } from './api-errors.ts';
import type { HttpFaultT } from './faults.ts';
import { sendGatewayPage } from './gateway-page.ts';

/** Drops the client's connection: it sees a reset, no answer. */
export function dropConnection(req: IncomingMessage): void {
  req.socket.destroy();
}

/**
 * Applies a fault that acts before the route. Returns true when the request is done with
 * (dropped); throws the ApiError of an error fault; otherwise the route runs.
 */
export async function faultBeforeRoute(
  req: IncomingMessage,
  fault: HttpFaultT | undefined,
  res: ServerResponse,
  nowMs: number,
): Promise<boolean> {
  if (fault?.kind === 'gateway_html') {
    sendGatewayPage(req, res, fault.status ?? 502, nowMs);
    return true;
  }
  if (fault?.kind === 'drop') {
    dropConnection(req);
    return true;
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
  return false;
}

/** The content, a few bytes at a time: a download that never stalls, never ends soon. */
export async function trickle(
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

/** Half of the content, then the connection goes. */
export async function cutBody(
  req: IncomingMessage,
  res: ServerResponse,
  stream: NodeJS.ReadableStream,
  length: number,
): Promise<void> {
  let sent = 0;
  const half = Math.floor(length / 2);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const part = chunk.subarray(0, Math.max(0, half - sent));
    if (part.length > 0) res.write(part);
    sent += part.length;
    if (sent >= half) break;
  }
  (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  await new Promise((r) => setTimeout(r, 20));
  dropConnection(req);
}
