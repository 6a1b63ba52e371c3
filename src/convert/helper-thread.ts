/**
 * The conversion's helper thread, on the second core: counts the tokens of the texts it is
 * sent (with the cached counter of their encoding), computes the SHA-256 of output files
 * from the chunks it is handed once they are written, and, with `dedup`, the fingerprints of
 * slices' code. Started by helper-thread-client.ts.
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { tokenCounters, type EncodingName } from '../domain/token-counter.ts';
import { PACKED_WORDS } from '../domain/code-fingerprint.ts';
import { fingerprintBuffers, packFingerprintsInto } from './fingerprint-buffers.ts';
import type { HelperThreadData } from './helper-thread-start.ts';

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
  | { readonly kind: 'digest'; readonly id: number; readonly stream: number }
  | {
      readonly kind: 'fingerprint';
      readonly id: number;
      readonly codes: readonly string[];
      readonly hashComment: Uint8Array;
    }
  /** A buffer of fingerprints given back for reuse once its chunk is placed. */
  | { readonly kind: 'fingerprints-back'; readonly words: Uint32Array }
  /** The encodings the conversion counts in: one loaded ahead and not among them is dropped. */
  | { readonly kind: 'expect'; readonly encodings: readonly EncodingName[] };

export type HelperReply =
  | { readonly id: number; readonly counts: Int32Array }
  /** A hashed chunk of a stream, given back for reuse (id -1). */
  | { readonly id: number; readonly stream: number; readonly chunk: Uint8Array }
  | { readonly id: number; readonly digest: string }
  /** Fingerprints, packed (code-fingerprint.ts packFingerprints); `made`: buffers made so far. */
  | { readonly id: number; readonly fingerprints: Uint32Array; readonly made: number }
  | { readonly id: number; readonly error: string };

let counters = tokenCounters();
// Loaded before any request names it (helper-thread-start.ts); a failure is the first request's.
let preloaded = (workerData as HelperThreadData | null)?.preload;
if (preloaded !== undefined) counters(preloaded).catch(() => undefined);
const hashes = new Map<number, Hash>();
const buffers = fingerprintBuffers();
const port = parentPort;
if (port === null) throw new Error('helper-thread must run in a worker thread');

const fail = (id: number, err: unknown): void => {
  port.postMessage({ id, error: String(err) } satisfies HelperReply);
};

port.on('message', (request: HelperRequest) => {
  switch (request.kind) {
    case 'fingerprint': {
      try {
        const { codes, hashComment } = request;
        const out = buffers.take(codes.length * PACKED_WORDS);
        const fingerprints = packFingerprintsInto(codes, hashComment, out);
        port.postMessage(
          { id: request.id, fingerprints, made: buffers.made } satisfies HelperReply,
          [fingerprints.buffer as ArrayBuffer],
        );
      } catch (err) {
        fail(request.id, err);
      }
      return;
    }
    case 'fingerprints-back':
      buffers.giveBack(request.words);
      return;
    case 'expect':
      // Before any count (requests come in order): only the preloaded tokenizer is dropped.
      if (preloaded !== undefined && !request.encodings.includes(preloaded)) {
        counters = tokenCounters();
      }
      preloaded = undefined;
      return;
    case 'hash': {
      let hash = hashes.get(request.stream);
      if (hash === undefined) hashes.set(request.stream, (hash = createHash('sha256')));
      hash.update(request.chunk.subarray(0, request.length));
      port.postMessage(
        { id: -1, stream: request.stream, chunk: request.chunk } satisfies HelperReply,
        [request.chunk.buffer as ArrayBuffer],
      );
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
          counter.countAll(texts, counts);
          port.postMessage({ id: request.id, counts } satisfies HelperReply, [counts.buffer]);
        },
        (err: unknown) => fail(request.id, err),
      );
      return;
  }
});
