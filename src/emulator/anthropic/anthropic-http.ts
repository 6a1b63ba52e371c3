/**
 * How the emulated Anthropic API talks HTTP: the caller checked (a key in `x-api-key`, or
 * `Authorization: Bearer` as the SDK's 1.x line sends it, and a known `anthropic-version`),
 * JSON answers with a `request-id`, errors in its shape (`{type: "error", error: {type,
 * message}}`), and what an HTTP fault does before the route (`status`, `drop`, `slow`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpFaultT } from '../faults.ts';
import { HttpError } from './request-checks.ts';

export const ANTHROPIC_VERSIONS = ['2023-06-01', '2026-10-21'] as const;

/** The request's `anthropic-version`, once its key is accepted; HttpError otherwise. */
export function checkCaller(req: IncomingMessage, apiKeys: readonly string[] | undefined): string {
  const key =
    req.headers['x-api-key'] ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (typeof key !== 'string' || key === '' || (apiKeys !== undefined && !apiKeys.includes(key))) {
    throw new HttpError(401, 'authentication_error', 'invalid x-api-key');
  }
  const version = req.headers['anthropic-version'];
  if (typeof version !== 'string' || !(ANTHROPIC_VERSIONS as readonly string[]).includes(version)) {
    throw new HttpError(
      400,
      'invalid_request_error',
      'anthropic-version: header is required and must be a known version',
    );
  }
  return version;
}

export function sendJson(
  res: ServerResponse,
  requestId: string,
  status: number,
  json: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': requestId,
    ...headers,
  });
  res.end(JSON.stringify(json));
}

/** The error's answer (an unexpected one as a 500 api_error); a reply under way is cut. */
export function sendError(res: ServerResponse, requestId: string, err: unknown): void {
  if (res.headersSent) return void res.destroy();
  const [status, type, message] =
    err instanceof HttpError
      ? [err.status, err.type, err.message]
      : [500, 'api_error', String(err)];
  sendJson(res, requestId, status, { type: 'error', error: { type, message } });
}

/**
 * Applies a fault that acts before the route: a `status` answer (its error type by status, with
 * `retry-after` when set), a dropped connection, or a wait. True when the request is answered.
 */
export async function faultBeforeRoute(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: () => string,
  fault: HttpFaultT,
): Promise<boolean> {
  if (fault.kind === 'status' && fault.status !== undefined) {
    const type =
      fault.status === 429
        ? 'rate_limit_error'
        : fault.status === 529
          ? 'overloaded_error'
          : fault.status >= 500
            ? 'api_error'
            : 'invalid_request_error';
    const message = fault.status === 529 ? 'Overloaded' : 'emulated fault';
    sendJson(
      res,
      requestId(),
      fault.status,
      { type: 'error', error: { type, message } },
      fault.retry_after_s === undefined ? {} : { 'retry-after': String(fault.retry_after_s) },
    );
    return true;
  }
  if (fault.kind === 'drop') {
    req.socket.destroy();
    return true;
  }
  if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delay_ms ?? 1000));
  return false;
}
