/**
 * Run as a child process (a crash of the HTTP client must not take the test runner down):
 * a server sends a 64 KB file and closes the connection while the client has not read the
 * body yet; the client reads it only then. Node's bundled undici dies here with an uncatchable
 * `assert(!this.paused)` (undici issue 5360). Prints the bytes read; exit 0 when all arrived.
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { createSdkClient } from '../../src/openai/batch-api.ts';

const SIZE = 64 * 1024;
const closed = Promise.withResolvers<void>();
const server = createServer((socket: Socket) => {
  socket.once('data', () => {
    socket.write(
      `HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${SIZE}\r\nconnection: close\r\n\r\n`,
    );
    socket.end(Buffer.alloc(SIZE, 0x61));
  });
  socket.on('close', () => closed.resolve());
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as { port: number };
const client = createSdkClient({
  apiKey: 'sk-test-unread-body',
  baseURL: `http://127.0.0.1:${port}/v1`,
  maxRetries: 0,
});
const res = await client.files.content('file-unread');
// The body stays unread (the parser pauses) until the connection is gone.
await closed.promise;
let bytes = 0;
for await (const chunk of res.body as AsyncIterable<Uint8Array>) bytes += chunk.length;
server.close();
process.stdout.write(`${bytes}\n`);
process.exitCode = bytes === SIZE ? 0 : 1;
