/**
 * The daemon's optional HTTP listener (`http.listen`, off by default): `GET /healthz` (200 while
 * the loop is alive and progressing, 503 with the reason otherwise) and `GET /metrics`
 * (Prometheus text format). A bare port or `:port` listens on loopback only.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors.ts';
import type { Health } from '../domain/heartbeat.ts';
import type { Metrics } from './metrics.ts';

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:(.*):)?(\d{1,5})$/.exec(listen.trim());
  const port = Number(m?.[2]);
  if (m === null || port > 65535) {
    throw new ConfigError(
      `"http.listen": ${JSON.stringify(listen)} is not host:port (e.g. 127.0.0.1:9464)`,
      'http.listen',
    );
  }
  const host = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '127.0.0.1' : host, port };
}

export interface HttpListener {
  readonly url: string;
  close(): Promise<void>;
}

export async function startHttpListener(options: {
  readonly listen: string;
  readonly health: () => Health;
  readonly metrics: Metrics;
}): Promise<HttpListener> {
  const { host, port } = parseListen(options.listen);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const h = options.health();
      res
        .writeHead(h.ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`${h.ok ? `ok: ${h.summary}` : `unhealthy: ${h.reason}`}\n`);
      return;
    }
    if (path === '/metrics') {
      options.metrics.registry.metrics().then(
        (text) =>
          res.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(`${String(err)}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /healthz or /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
