/**
 * Counting tokens and hashing output, in this thread or in the helper thread.
 *
 * Conversion sends each batch of requests' variable texts to be counted and goes on rendering
 * the next batch meanwhile; output chunks are hashed once written. With the helper thread both
 * run on the second core.
 */
import {
  createChunkPool,
  localContentHash,
  type ChunkPool,
  type ContentHash,
} from './batch-input-writer.ts';
import type { HelperReply, HelperRequest } from './helper-thread.ts';
import { tokenCounters, type EncodingName, type TokenCounter } from '../domain/token-counter.ts';
import { packFingerprints } from '../domain/code-fingerprint.ts';
import { startHelperThread, takeEarlyHelperThread } from './helper-thread-start.ts';

export interface TextTokenCounter {
  /** Token counts of `texts`, in order. */
  countTexts(encoding: EncodingName, texts: readonly string[]): Promise<Int32Array>;
  /** Tokens of the chat framing of `messages` messages plus the reply primer. */
  framingTokens(encoding: EncodingName, messages: number): Promise<number>;
  /**
   * The encodings about to be counted in, before any count: a helper thread that loaded another
   * one ahead (helper-thread-start.ts) drops it.
   */
  expect?(encodings: readonly EncodingName[]): void;
}

export interface CodeFingerprinter {
  /** The fingerprints of `codes`, packed (`hashComment[i]` 1: `#` comments in code i). */
  fingerprintCodes(codes: readonly string[], hashComment: Uint8Array): Promise<Uint32Array>;
  /** Fingerprints no longer read (their chunk is placed): their buffer is reused. */
  giveBackFingerprints(words: Uint32Array): void;
  /** Buffers made for fingerprints so far (a few a run when they are given back). */
  readonly fingerprintBuffersMade: number;
}

export interface ConvertHelpers extends TextTokenCounter, CodeFingerprinter {
  /** Output chunks, reused across the files of a conversion. */
  readonly chunks: ChunkPool;
  /**
   * A SHA-256 fed chunk by chunk; each chunk, once hashed, goes to `giveBack` (by default back
   * to `chunks`).
   */
  startHash(giveBack?: (chunk: Buffer) => void): ContentHash;
  close(): Promise<void>;
  /** Why they can no longer be used (their thread stopped, or they were closed), if so. */
  readonly failed?: Error | undefined;
}

/** The helpers in use by a long-running process, made again once they failed. */
export interface RenewedHelpers {
  /** The helpers in use; when they failed (their thread stopped), new ones. */
  current(): ConvertHelpers;
  close(): Promise<void>;
}

/**
 * Helpers for the daemon, whose conversions go on for days: helpers that failed (their thread
 * stopped, by an error in it or out of memory) are closed and made again by `make` for the next
 * conversion, which would otherwise fail too, and its files be taken for unreadable ones.
 * `onRenew` is told why.
 */
export function renewedHelpers(
  make: () => ConvertHelpers,
  onRenew: (why: Error) => void,
): RenewedHelpers {
  let helpers = make();
  let closed = false;
  return {
    current() {
      const why = helpers.failed;
      if (why !== undefined && !closed) {
        void helpers.close();
        onRenew(why);
        helpers = make();
      }
      return helpers;
    },
    close() {
      closed = true;
      return helpers.close();
    },
  };
}

/** Everything in the calling thread (small inputs, tests). */
export function inlineHelpers(
  counters: (encoding: EncodingName) => Promise<TokenCounter> = tokenCounters(),
): ConvertHelpers {
  const chunks = createChunkPool();
  return {
    chunks,
    async countTexts(encoding, texts) {
      const counter = await counters(encoding);
      const counts = new Int32Array(texts.length);
      counter.countAll(texts, counts);
      return counts;
    },
    async framingTokens(encoding, messages) {
      return (await counters(encoding)).chatFramingTokens(messages);
    },
    fingerprintCodes: (codes, hashComment) => Promise.resolve(packFingerprints(codes, hashComment)),
    giveBackFingerprints() {},
    fingerprintBuffersMade: 0,
    startHash: (giveBack) => localContentHash(giveBack ? { returned: giveBack } : chunks),
    async close() {},
  };
}

/** How long close() waits for the thread to say it ended. */
const CLOSE_WAIT_MS = 10_000;

/** Counting and hashing in a helper thread; answers come in the order requests were sent. */
export function threadHelpers(): ConvertHelpers {
  // The thread the command started before its modules loaded, if it did.
  const early = takeEarlyHelperThread();
  const worker = early?.worker ?? startHelperThread();
  type Pending = { resolve: (reply: HelperReply) => void; reject: (e: Error) => void };
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let nextStream = 0;
  let failure: Error | undefined;
  let fingerprintBuffersMade = 0;
  const failAll = (err: Error): void => {
    failure ??= err;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  const chunks = createChunkPool();
  /** Where the chunks of a stream go once hashed, when not to `chunks`. */
  const giveBacks = new Map<number, (chunk: Buffer) => void>();
  /** Chunks sent to be hashed and not back yet: a writer may be waiting for one of them. */
  let hashing = 0;
  // The thread keeps the process alive only while an answer or a chunk is awaited (when it
  // did not for chunks, a writer waiting for one had no handle left and the process exited).
  const keepAlive = (): void => {
    if (pending.size === 0 && hashing === 0) worker.unref();
    else worker.ref();
  };
  worker.on('message', (reply: HelperReply) => {
    if ('chunk' in reply) {
      hashing--;
      keepAlive();
      const chunk = Buffer.from(reply.chunk.buffer, reply.chunk.byteOffset, reply.chunk.byteLength);
      const giveBack = giveBacks.get(reply.stream);
      if (giveBack !== undefined) giveBack(chunk);
      else chunks.returned(chunk);
      return;
    }
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    keepAlive();
    if ('error' in reply) p.reject(new Error(`helper thread: ${reply.error}`));
    else p.resolve(reply);
  });
  worker.on('error', (err: Error) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`helper thread stopped (exit ${code})`)));
  worker.unref();
  const endedEarly = early?.ended();
  if (endedEarly !== undefined) failAll(endedEarly);

  const ask = (request: HelperRequest & { id: number }): Promise<HelperReply> => {
    if (failure !== undefined) return Promise.reject(failure);
    return new Promise<HelperReply>((resolve, reject) => {
      pending.set(request.id, { resolve, reject });
      keepAlive();
      worker.postMessage(request);
    });
  };
  const countsOf = (reply: HelperReply): Int32Array => (reply as { counts: Int32Array }).counts;

  return {
    chunks,
    async countTexts(encoding, texts) {
      return countsOf(await ask({ kind: 'count', id: nextId++, encoding, texts }));
    },
    async framingTokens(encoding, messages) {
      return countsOf(await ask({ kind: 'framing', id: nextId++, encoding, messages }))[0]!;
    },
    expect(encodings) {
      const message: HelperRequest = { kind: 'expect', encodings };
      if (failure === undefined) worker.postMessage(message);
    },
    async fingerprintCodes(codes, hashComment) {
      const reply = await ask({ kind: 'fingerprint', id: nextId++, codes, hashComment });
      const { fingerprints, made } = reply as { fingerprints: Uint32Array; made: number };
      fingerprintBuffersMade = made;
      return fingerprints;
    },
    giveBackFingerprints(words) {
      if (failure !== undefined || words.byteOffset !== 0) return;
      const message: HelperRequest = { kind: 'fingerprints-back', words };
      worker.postMessage(message, [words.buffer as ArrayBuffer]);
    },
    get fingerprintBuffersMade() {
      return fingerprintBuffersMade;
    },
    get failed() {
      return failure;
    },
    startHash(giveBack) {
      const stream = nextStream++;
      if (giveBack !== undefined) giveBacks.set(stream, giveBack);
      const back = giveBack ?? ((chunk: Buffer) => chunks.returned(chunk));
      return {
        update(chunk, length) {
          if (failure !== undefined) {
            back(chunk);
            return;
          }
          // Transferred, not copied, when the chunk owns its memory (pool chunks do); the
          // thread gives it back once hashed.
          const own = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
          const message: HelperRequest = { kind: 'hash', stream, chunk, length };
          worker.postMessage(message, own ? [chunk.buffer as ArrayBuffer] : []);
          // Every chunk comes back from the thread once hashed.
          hashing++;
          keepAlive();
        },
        async digest() {
          // Answered after every chunk of the stream is back (the thread answers in order).
          const reply = await ask({ kind: 'digest', id: nextId++, stream });
          giveBacks.delete(stream);
          return (reply as { digest: string }).digest;
        },
      };
    },
    async close() {
      failure ??= new Error('helper thread closed');
      // A timer keeps the process alive while the thread's end is awaited. Stopped while it
      // is still starting (a run with nothing to convert), the thread's own handle did not: the
      // process often exited with 13 (an unsettled top-level await) before its summary, though
      // the end comes a few milliseconds later. Bounded: a thread that never says it ended is
      // stopped with the process.
      let keepAlive: NodeJS.Timeout | undefined;
      await Promise.race([
        worker.terminate(),
        new Promise<void>((resolve) => (keepAlive = setTimeout(resolve, CLOSE_WAIT_MS))),
      ]);
      clearTimeout(keepAlive);
    },
  };
}
