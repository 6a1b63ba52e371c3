/**
 * A gateway's error page (HTTP fault `gateway_html`): what a client meets when the proxy in
 * front of the API (Cloudflare for api.openai.com, a corporate proxy, a load balancer) answers
 * instead of the API. The body is an HTML page of a few kilobytes with `content-type:
 * text/html`, not the API's JSON error: the SDK raises an APIError (InternalServerError) without
 * `code` or `type`, whose message is the status and the whole page. Users report it, e.g.
 * https://github.com/n3d1117/chatgpt-telegram-bot/issues/637 (openai.InternalServerError: <html>
 * ... 502 Bad Gateway ... cloudflare) and https://github.com/yoheinakajima/babyagi/issues/64.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const TITLES: Readonly<Record<number, string>> = {
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway time-out',
};

/** The page: a title naming the status, then the bulk of such a page (styles, help text). */
export function gatewayPage(status: number, nowMs: number): string {
  const title = `api.openai.com | ${status}: ${TITLES[status] ?? 'Error'}`;
  const filler = Array.from(
    { length: 40 },
    (_, i) =>
      `<div class="cf-section cf-row-${i}"><p>The web server reported a ${TITLES[status] ?? 'gateway'} error. Please try again in a few minutes.</p></div>`,
  ).join('\n');
  return [
    '<!DOCTYPE html>',
    '<html class="no-js" lang="en-US">',
    `<head><title>${title}</title><meta charset="UTF-8" /></head>`,
    '<body><div id="cf-wrapper">',
    `<h1><span>${TITLES[status] ?? 'Error'}</span> <span>Error code ${status}</span></h1>`,
    filler,
    `<p>${new Date(nowMs).toUTCString()} | Ray ID: emulated</p>`,
    '</div></body></html>',
    '',
  ].join('\n');
}

/** Answers the request with the page; the request's body is read and dropped. */
export function sendGatewayPage(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  nowMs: number,
): void {
  req.resume();
  const body = gatewayPage(status, nowMs);
  res.writeHead(status, {
    'content-type': 'text/html; charset=UTF-8',
    'content-length': Buffer.byteLength(body),
    server: 'cloudflare',
  });
  res.end(body);
}
