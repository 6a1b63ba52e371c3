/**
 * The daemon's optional HTTP listener (`http.listen`, off by default): `GET /healthz` (200 while
 * the loop is alive and progressing, 503 with the reason otherwise), `GET /metrics`
 * (Prometheus text format) and the review page (src/review/). A bare port or `:port` listens on
 * loopback only; any other address needs a token (`http.token_file`), asked of every request
 * but /healthz.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  isLoopbackHost,
  parseListenAddress,
  type ListenAddress,
} from '../config/listen-address.ts';
import { ConfigError } from '../errors.ts';
import type { Health } from '../domain/heartbeat.ts';
import type { Metrics } from './metrics.ts';
import { admit, requireTokenOffLoopback } from '../review/access-token.ts';

/** Serves a request when it is one of its routes (the review page); false otherwise. */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

export function parseListen(listen: string): ListenAddress {
  const address = parseListenAddress(listen);
  if (typeof address === 'string')
    throw new ConfigError(`"http.listen": ${address}`, 'http.listen');
  return address;
}

const LISTEN_HINTS: Readonly<Record<string, string>> = {
  EADDRINUSE: ' (another process has that port)',
  EADDRNOTAVAIL: ' (no interface of this machine has that address)',
  ENOTFOUND: ' (that host name does not resolve)',
  EACCES: ' (ports below 1024 need privileges)',
};

export interface HttpListener {
  readonly url: string;
  /** Bound to a loopback address only: nobody off this machine can reach it. */
  readonly loopback: boolean;
  close(): Promise<void>;
}

export async function startHttpListener(options: {
  readonly listen: string;
  readonly health?: () => Health;
  readonly metrics?: Metrics;
  /** The access token (`http.token_file`); required off loopback. */
  readonly token?: string | undefined;
  readonly routes?: ExtraRoutes;
}): Promise<HttpListener> {
  const { host, port } = parseListen(options.listen);
  requireTokenOffLoopback(host, options.token);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' && !admit(req, res, options.token)) return;
    if (options.routes?.(req, res) === true) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz' && options.health !== undefined) {
      const h = options.health();
      res
        .writeHead(h.ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`${h.ok ? `ok: ${h.summary}` : `unhealthy: ${h.reason}`}\n`);
      return;
    }
    const metrics = options.metrics;
    if (path === '/metrics' && metrics !== undefined) {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(`${String(err)}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /healthz or /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new ConfigError(
          `"http.listen": cannot listen on ${JSON.stringify(options.listen)}: ${err.code ?? err.message}${LISTEN_HINTS[err.code ?? ''] ?? ''}`,
          'http.listen',
          { cause: err },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    loopback: isLoopbackHost(address.address),
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
