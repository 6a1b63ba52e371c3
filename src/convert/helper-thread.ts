/**
 * The conversion's helper thread, on the second core: counts the tokens of the texts it is
 * sent (with the cached counter of their encoding), and computes the SHA-256 of output files
 * from the chunks it is handed once they are written. Started by helper-thread-client.ts.
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { tokenCounters, type EncodingName } from '../domain/token-counter.ts';

export type HelperRequest =
  | {
      readonly kind: 'count';
      readonly id: number;
      readonly encoding: EncodingName;
      /**
       * An array, not one joined string: one character beyond Latin-1 would make a joined string
       * two-byte, which V8's regular expressions scan several times slower.
       */
      readonly texts: readonly string[];
    }
  | {
      readonly kind: 'framing';
      readonly id: number;
      readonly encoding: EncodingName;
      readonly messages: number;
    }
  | {
      readonly kind: 'hash';
      readonly stream: number;
      readonly chunk: Uint8Array;
      readonly length: number;
    }
  | { readonly kind: 'digest'; readonly id: number; readonly stream: number };

export type HelperReply =
  | { readonly id: number; readonly counts: Int32Array }
  /** A hashed chunk, given back for reuse (id -1). */
  | { readonly id: number; readonly chunk: Uint8Array }
  | { readonly id: number; readonly digest: string }
  | { readonly id: number; readonly error: string };

const counters = tokenCounters();
const hashes = new Map<number, Hash>();
const port = parentPort;
if (port === null) throw new Error('helper-thread must run in a worker thread');

const fail = (id: number, err: unknown): void => {
  port.postMessage({ id, error: String(err) } satisfies HelperReply);
};

port.on('message', (request: HelperRequest) => {
  switch (request.kind) {
    case 'hash': {
      let hash = hashes.get(request.stream);
      if (hash === undefined) hashes.set(request.stream, (hash = createHash('sha256')));
      hash.update(request.chunk.subarray(0, request.length));
      port.postMessage({ id: -1, chunk: request.chunk } satisfies HelperReply, [
        request.chunk.buffer as ArrayBuffer,
      ]);
      return;
    }
    case 'digest': {
      const hash = hashes.get(request.stream) ?? createHash('sha256');
      hashes.delete(request.stream);
      port.postMessage({ id: request.id, digest: hash.digest('hex') } satisfies HelperReply);
      return;
    }
    case 'framing':
      counters(request.encoding).then(
        (counter) => {
          const counts = Int32Array.of(counter.chatFramingTokens(request.messages));
          port.postMessage({ id: request.id, counts } satisfies HelperReply, [counts.buffer]);
        },
        (err: unknown) => fail(request.id, err),
      );
      return;
    case 'count':
      counters(request.encoding).then(
        (counter) => {
          const { texts } = request;
          const counts = new Int32Array(texts.length);
          for (let i = 0; i < texts.length; i++) counts[i] = counter.count(texts[i]!);
          port.postMessage({ id: request.id, counts } satisfies HelperReply, [counts.buffer]);
        },
        (err: unknown) => fail(request.id, err),
      );
      return;
  }
});
