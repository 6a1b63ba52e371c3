/**
 * The conversion's helper thread, on the second core: counts the tokens of the texts it is
 * sent (with the cached counter of their encoding), computes the SHA-256 of output files
 * from the chunks it is handed once they are written, with `dedup` the fingerprints of
 * slices' code, and encodes whole chunks of lines when it has little else queued
 * (line-encoder.ts). Started by helper-thread-client.ts.
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { tokenCounters, type EncodingName, type TokenCounter } from '../domain/token-counter.ts';
import { PACKED_WORDS } from '../domain/code-fingerprint.ts';
import { fingerprintBuffers, packFingerprintsInto } from './fingerprint-buffers.ts';
import type { HelperThreadData } from './helper-thread-start.ts';
import type { LineEncoderSetup, EncodedLines, LineEncoder } from './line-encoder.ts';
import type { Config } from '../config/schema.ts';

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
  /** What encoding lines needs (once, before the first `encode`). */
  | { readonly kind: 'encode-setup'; readonly setup: LineEncodingSetup }
  /** Lines of a read chunk to encode and count whole (`lineNos[i]`: the number of `texts[i]`). */
  | {
      readonly kind: 'encode';
      readonly id: number;
      readonly texts: readonly string[];
      readonly lineNos: Int32Array;
      readonly repo: string;
    }
  /** The bytes of an encoded chunk given back for reuse once placed. */
  | { readonly kind: 'encoded-back'; readonly bytes: Uint8Array }
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
  /** Lines encoded, with their requests' fingerprints with `dedup`. */
  | { readonly id: number; readonly encoded: EncodedLines; readonly fingerprints?: Uint32Array }
  | { readonly id: number; readonly error: string };

/** What the helper thread needs to encode lines (the builders are made there from `config`). */
export interface LineEncodingSetup extends Omit<LineEncoderSetup, 'builders'> {
  readonly config: Pick<Config, 'scenarios' | 'model'>;
  readonly dedup: boolean;
}

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

const fingerprintsOf = (codes: readonly string[], hashComment: Uint8Array): Uint32Array =>
  packFingerprintsInto(codes, hashComment, buffers.take(codes.length * PACKED_WORDS));

/** Encoding lines, once set up: its modules load only then (a conversion's first chunks wait). */
let lines: ReturnType<typeof setUpLines> | undefined;

async function setUpLines(
  setup: LineEncodingSetup,
): Promise<{ readonly encoder: LineEncoder; readonly dedup: boolean }> {
  const [{ createLineEncoder }, { createScenarioBuilders }] = await Promise.all([
    import('./line-encoder.ts'),
    import('./request-builder.ts'),
  ]);
  const loaded = new Map<EncodingName, TokenCounter>();
  for (const encoding of new Set(Object.values(setup.encodings))) {
    loaded.set(encoding, await counters(encoding));
  }
  const encoder = createLineEncoder(
    { builders: createScenarioBuilders(setup.config), ...setup },
    (encoding) => loaded.get(encoding)!,
  );
  return { encoder, dedup: setup.dedup };
}

async function encodeLines(request: Extract<HelperRequest, { kind: 'encode' }>): Promise<void> {
  if (lines === undefined) throw new Error('encode before encode-setup');
  const { encoder, dedup } = await lines;
  const codes = dedup ? { codes: [] as string[], hashComment: [] as number[] } : undefined;
  const encoded = encoder.encode(request.texts, request.lineNos, request.repo, codes);
  const fingerprints =
    codes === undefined || codes.codes.length === 0
      ? undefined
      : fingerprintsOf(codes.codes, Uint8Array.from(codes.hashComment));
  const transfer: ArrayBuffer[] = [encoded.meta.buffer as ArrayBuffer];
  transfer.push(encoded.bytes.buffer as ArrayBuffer);
  if (fingerprints !== undefined) transfer.push(fingerprints.buffer as ArrayBuffer);
  port!.postMessage(
    {
      id: request.id,
      encoded,
      ...(fingerprints === undefined ? {} : { fingerprints }),
    } satisfies HelperReply,
    transfer,
  );
}

port.on('message', (request: HelperRequest) => {
  switch (request.kind) {
    case 'fingerprint': {
      try {
        const fingerprints = fingerprintsOf(request.codes, request.hashComment);
        port.postMessage(
          { id: request.id, fingerprints, made: buffers.made } satisfies HelperReply,
          [fingerprints.buffer as ArrayBuffer],
        );
      } catch (err) {
        fail(request.id, err);
      }
      return;
    }
    case 'encode-setup':
      lines = setUpLines(request.setup);
      // A failure is each encode's (answered with the error).
      lines.catch(() => undefined);
      return;
    case 'encode':
      encodeLines(request).catch((err: unknown) => fail(request.id, err));
      return;
    case 'encoded-back':
      lines?.then(
        ({ encoder }) => encoder.giveBack(request.bytes),
        () => undefined,
      );
      return;
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
