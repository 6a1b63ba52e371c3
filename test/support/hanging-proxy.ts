/**
 * A fake API in front of the emulator that passes every request through, except the ones a
 * test chooses to hang: those are held open without an answer until the client gives up (or
 * the proxy closes). Stands for a provider whose batch listing stops answering. It records
 * every request it sees (method and URL), to check what a client asked for.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { deferCleanup } from './temp-dir.ts';

export interface HangingProxy {
  /** The base URL to give the client (`…/v1`). */
  readonly url: string;
  /** Requests matching this (method and path) are held from now on; undefined: none. */
  hang: ((method: string, path: string) => boolean) | undefined;
  /** Requests held so far (answered never), and how many of them the client has given up. */
  readonly held: number;
  readonly abandoned: number;
  /** Every request seen so far: its method and URL (path and query), in order. */
  readonly requests: readonly { readonly method: string; readonly url: string }[];
}

export async function hangingProxy(t: TestContext, target: string): Promise<HangingProxy> {
  const upstream = new URL(target);
  const open = new Set<ServerResponse>();
  const state: { hang: HangingProxy['hang']; held: number; abandoned: number } = {
    hang: undefined,
    held: 0,
    abandoned: 0,
  };
  const requests: { method: string; url: string }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/' });
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    if (state.hang?.(req.method ?? 'GET', path) === true) {
      state.held++;
      open.add(res);
      req.resume();
      res.on('close', () => {
        open.delete(res);
        state.abandoned++;
      });
      return;
    }
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  deferCleanup(t, async () => {
    for (const res of open) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, '')}`;
  return {
    url: base,
    get hang() {
      return state.hang;
    },
    set hang(h) {
      state.hang = h;
    },
    get held() {
      return state.held;
    },
    get abandoned() {
      return state.abandoned;
    },
    requests,
  };
}
