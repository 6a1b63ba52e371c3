/**
 * Writing one batch input file. Requests are streamed to a hidden temporary file; sealing
 * fsyncs it, reserves a free final name by creating its manifest exclusively, writes the
 * manifest (totals for the token budget and the cost estimate), and links the file under its
 * final name without replacing anything. A crash at any point leaves either the complete file
 * with its manifest, or no file under a final name (a temporary file and at most an orphan
 * manifest, which `removeLeftovers` clears).
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fsyncDir, publishNoClobber, tempPathFor } from '../storage/atomic-file.ts';
import { EMPTY_FILL, addToFill, type FileFill } from './batch-file-plan.ts';
import {
  BATCH_INPUT_NAME,
  batchInputName,
  fileTimestamp,
  manifestNameFor,
} from '../domain/file-names.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import type { BatchInputManifest } from '../domain/batch-input-manifest.ts';

export type { BatchInputManifest, SourceRun } from '../domain/batch-input-manifest.ts';

export interface SealedBatchInput {
  readonly path: string;
  readonly manifestPath: string;
  readonly manifest: BatchInputManifest;
}

/** One request as it goes into a file: its encoded line (with the newline) and its totals. */
export interface EncodedRequest {
  readonly line: Uint8Array;
  readonly promptTokens: number;
  readonly maxCompletionTokens: number;
}

export interface BatchInputFile {
  readonly scenario: Scenario;
  readonly model: string;
  readonly fill: FileFill;
  append(request: EncodedRequest, source: string): Promise<void>;
  seal(): Promise<SealedBatchInput>;
  abort(): Promise<void>;
}

/** Requests are encoded once, into chunks of this size, which are hashed and written as is. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Output chunks of CHUNK_BYTES, reused: writing a file makes no garbage buffers. A file fills
 * one chunk at a time (`take`, never waits: every open file can always fill its own); a full
 * chunk is lent to the disk and then to the hash, and at most `max` are lent at a time: before
 * lending one more, a file waits for `room`. This is the backpressure from the disk and the
 * hashing back to placing requests, and from there to reading (which waits for placing): memory
 * stays the same whichever stage is slowest, and no number of open files can use up the pool
 * (files each holding a chunk while waiting for one more waited forever).
 */
export interface ChunkPool {
  /** A chunk to fill. */
  take(): Buffer;
  /** Resolves when one more chunk may be lent (fewer than `max` are out). */
  room(): Promise<void>;
  /** A full chunk handed to the disk and the hash; `returned` brings it back. */
  lend(chunk: Buffer): void;
  /** A lent chunk, back from the hash (buffers of another size are ignored). */
  returned(chunk: Buffer): void;
  /** A chunk taken and never lent (a file sealed or aborted). */
  give(chunk: Buffer): void;
}

export function createChunkPool(max = 8): ChunkPool {
  const free: Buffer[] = [];
  const waiting: (() => void)[] = [];
  let lent = 0;
  const keep = (chunk: Buffer): void => {
    if (chunk.length === CHUNK_BYTES && free.length < max) free.push(chunk);
  };
  return {
    take: () => free.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES),
    room() {
      if (lent < max) return Promise.resolve();
      return new Promise((resolve) => waiting.push(resolve));
    },
    lend(chunk) {
      if (chunk.length === CHUNK_BYTES) lent++;
    },
    returned(chunk) {
      if (chunk.length !== CHUNK_BYTES) return;
      lent--;
      keep(chunk);
      if (lent < max) waiting.shift()?.();
    },
    give: keep,
  };
}

/**
 * The SHA-256 of a file, fed with each chunk once it is written. `update` takes the chunk (it
 * may carry it to another thread) and gives it back to the pool when hashed.
 */
export interface ContentHash {
  update(chunk: Buffer, length: number): void;
  digest(): Promise<string>;
}

export function localContentHash(pool: ChunkPool): ContentHash {
  const hash = createHash('sha256');
  return {
    update(chunk, length) {
      hash.update(chunk.subarray(0, length));
      pool.returned(chunk);
    },
    digest: () => Promise.resolve(hash.digest('hex')),
  };
}

export interface OpenBatchInputOptions {
  readonly dir: string;
  readonly scenario: Scenario;
  readonly model: string;
  readonly now: () => Date;
  readonly attempt?: number;
  /** Output chunks (shared by the files of a conversion). */
  readonly chunks?: ChunkPool;
  /** Where the content hash is computed (the conversion's helper thread); here by default. */
  readonly contentHash?: () => ContentHash;
}

const NO_CHUNK = Buffer.alloc(0);

/** Chunks queued for the disk before appending waits: writing overlaps converting. */
const WRITE_QUEUE_BYTES = 4 * 1024 * 1024;

export async function openBatchInputFile(options: OpenBatchInputOptions): Promise<BatchInputFile> {
  const { dir, scenario, model } = options;
  await mkdir(dir, { recursive: true });
  const tmp = tempPathFor(join(dir, `${scenario}_batch_input.jsonl`));
  const stream: WriteStream = createWriteStream(tmp, {
    flags: 'wx',
    flush: true,
    highWaterMark: WRITE_QUEUE_BYTES,
  });
  // A write error (the disk full, failing) is kept and thrown by the next call: an 'error'
  // event nobody listens to would end the process.
  let failed: Error | undefined;
  stream.on('error', (err) => (failed ??= err));
  const throwIfFailed = (): void => {
    if (failed !== undefined) throw failed;
  };
  await once(stream, 'open');
  const pool = options.chunks ?? createChunkPool(4);
  const hash = options.contentHash?.() ?? localContentHash(pool);
  let fill = EMPTY_FILL;
  let maxCompletion = 0;
  const sources = new Set<string>();
  const runs: { source: string; first_line: number; lines: number }[] = [];
  let chunk = pool.take();
  let used = 0;
  let done = false;

  // Each chunk is handed to the hash once written and never touched again here, so that
  // hashing can take it to another thread without a copy.
  const writeChunk = async (buffer: Buffer, length: number): Promise<void> => {
    throwIfFailed();
    await pool.room();
    pool.lend(buffer);
    const ok = stream.write(buffer.subarray(0, length), (err) => {
      if (err) pool.returned(buffer);
      else hash.update(buffer, length);
    });
    if (!ok) await once(stream, 'drain');
  };
  const flush = async (): Promise<void> => {
    if (used === 0) return;
    const full = chunk;
    const length = used;
    // Not ours any more (the hash gives it back): nothing may touch it while we wait.
    chunk = NO_CHUNK;
    used = 0;
    await writeChunk(full, length);
    chunk = pool.take();
  };

  const close = async (): Promise<void> => {
    throwIfFailed();
    stream.end();
    await finished(stream);
    throwIfFailed();
  };

  return {
    scenario,
    model,
    get fill() {
      return fill;
    },
    async append(request, source) {
      if (done) throw new Error('batch input file already sealed');
      const bytes = request.line.byteLength;
      if (used + bytes > CHUNK_BYTES) await flush();
      if (bytes > CHUNK_BYTES) {
        await writeChunk(Buffer.copyBytesFrom(request.line), bytes);
      } else {
        chunk.set(request.line, used);
        used += bytes;
      }
      fill = addToFill(fill, { bytes, tokens: request.promptTokens });
      maxCompletion += request.maxCompletionTokens;
      sources.add(source);
      const run = runs[runs.length - 1];
      if (run?.source === source) run.lines++;
      else runs.push({ source, first_line: fill.requests, lines: 1 });
    },
    async seal() {
      if (done) throw new Error('batch input file already sealed');
      done = true;
      // A manifest reserved and not published yet: removed with the temporary file on failure
      // (a full disk must not leave either behind).
      let unpublished: string | undefined;
      try {
        return await sealAs((path) => (unpublished = path));
      } catch (err) {
        stream.destroy();
        await unlink(tmp).catch(() => undefined);
        if (unpublished !== undefined) await unlink(unpublished).catch(() => undefined);
        throw err;
      }
    },
    async abort() {
      if (done) return;
      done = true;
      pool.give(chunk);
      stream.destroy();
      await unlink(tmp).catch(() => undefined);
    },
  };

  async function sealAs(
    reserving: (manifestPath: string | undefined) => void,
  ): Promise<SealedBatchInput> {
    await flush();
    pool.give(chunk);
    chunk = NO_CHUNK;
    await close();
    const digest = await hash.digest();
    const timestamp = fileTimestamp(options.now());
    for (let n = 0; ; n++) {
      const name = batchInputName(scenario, timestamp, n);
      const manifestPath = join(dir, manifestNameFor(name));
      let reserved;
      try {
        reserved = await open(manifestPath, 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      reserving(manifestPath);
      const manifest: BatchInputManifest = {
        version: 1,
        file: name,
        scenario,
        model,
        requests: fill.requests,
        bytes: fill.bytes,
        prompt_tokens: fill.tokens,
        max_completion_tokens: maxCompletion,
        sha256: digest,
        created_at: options.now().toISOString(),
        sources: [...sources].sort(),
        attempt: options.attempt ?? 1,
        source_lines: runs,
      };
      try {
        await reserved.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
        await reserved.sync();
      } finally {
        await reserved.close();
      }
      const path = join(dir, name);
      // From here the manifest stays (a leftover without its file is cleared later).
      reserving(undefined);
      if (await publishNoClobber(tmp, path)) {
        return { path, manifestPath, manifest };
      }
      // A file of that name without our manifest: leave it alone, try the next name.
      await unlink(manifestPath);
      await fsyncDir(dir);
    }
  }
}

/**
 * Clears what an interrupted conversion left in a batch input folder: temporary files and
 * manifests whose batch input file never appeared. Returns the paths removed.
 */
export async function removeLeftovers(
  dir: string,
  olderThanMs: number,
  now: Date,
): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const present = new Set(names);
  const removed: string[] = [];
  for (const name of names) {
    const isTemp = name.startsWith('.scenario') && name.endsWith('.tmp');
    const manifestOf = name.endsWith('.manifest.json')
      ? name.replace(/\.manifest\.json$/, '.jsonl')
      : undefined;
    const orphanManifest =
      manifestOf !== undefined && BATCH_INPUT_NAME.test(manifestOf) && !present.has(manifestOf);
    if (!isTemp && !orphanManifest) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || now.getTime() - info.mtimeMs < olderThanMs) continue;
    await unlink(path).catch(() => undefined);
    removed.push(path);
  }
  return removed;
}
