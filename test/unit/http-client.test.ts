import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createHttpClient } from '../../src/openai/http-client.ts';

async function listening(t: TestContext, server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

test('with NODE_USE_ENV_PROXY semantics on, calls go through HTTP_PROXY; off, they go direct', async (t) => {
  const target = await listening(
    t,
    createServer((_req, res) => res.end('from the target')),
  );
  const seen: string[] = [];
  const proxy = createServer((req, res) => {
    // A forward proxy for plain requests (absolute URI), should the client send them so.
    seen.push(`${req.method} ${req.url}`);
    const upstream = httpRequest(req.url!, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    req.pipe(upstream);
  });
  proxy.on('connect', (req, socket, head) => {
    seen.push(`CONNECT ${req.url}`);
    const [host, port] = req.url!.split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
  });
  const proxyPort = await listening(t, proxy);
  const saved = { HTTP_PROXY: process.env['HTTP_PROXY'], NO_PROXY: process.env['NO_PROXY'] };
  process.env['HTTP_PROXY'] = `http://127.0.0.1:${proxyPort}`;
  delete process.env['NO_PROXY'];
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const url = `http://127.0.0.1:${target}/v1/files`;

  const proxied = createHttpClient(5000, true);
  assert.equal(await (await proxied.fetch(url)).text(), 'from the target');
  await proxied.close();
  assert.equal(seen.length, 1);
  assert.match(seen[0]!, new RegExp(`127\\.0\\.0\\.1:${target}`));

  const direct = createHttpClient(5000, false);
  assert.equal(await (await direct.fetch(url)).text(), 'from the target');
  await direct.close();
  assert.equal(seen.length, 1, 'no proxy without the setting');
});
