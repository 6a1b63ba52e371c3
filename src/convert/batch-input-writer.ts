/**
 * Writing one batch input file. Requests are streamed to a hidden temporary file, a chunk at a
 * time (chunk-stream.ts); sealing fsyncs it and publishes it under a free final name with its
 * manifest, without replacing anything (batch-input-seal.ts). A crash at any point leaves
 * either the complete file with its manifest, or no file under a final name (a temporary file
 * and at most an orphan manifest, which `removeLeftovers` clears).
 */
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor } from '../storage/atomic-file.ts';
import { EMPTY_FILL, addToFill, type FileFill } from './batch-file-plan.ts';
import { BATCH_INPUT_NAME } from '../domain/file-names.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import {
  CHUNK_BYTES,
  createChunkPool,
  localContentHash,
  type ChunkPool,
  type ContentHash,
} from './chunk-pool.ts';
import { openChunkStream } from './chunk-stream.ts';
import { publishBatchInput, type SealedBatchInput } from './batch-input-seal.ts';

export type { BatchInputManifest, SourceRun } from '../domain/batch-input-manifest.ts';
export type { SealedBatchInput } from './batch-input-seal.ts';
export { CHUNK_BYTES, createChunkPool, localContentHash, type ChunkPool, type ContentHash };

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

export async function openBatchInputFile(options: OpenBatchInputOptions): Promise<BatchInputFile> {
  const { dir, scenario, model } = options;
  await mkdir(dir, { recursive: true });
  const tmp = tempPathFor(join(dir, `${scenario}_batch_input.jsonl`));
  const pool = options.chunks ?? createChunkPool(4);
  const hash = options.contentHash?.() ?? localContentHash(pool);
  const stream = await openChunkStream(tmp, pool, hash);
  let fill = EMPTY_FILL;
  let maxCompletion = 0;
  const sources = new Set<string>();
  const runs: { source: string; first_line: number; lines: number }[] = [];
  let chunk = pool.take();
  let used = 0;
  let done = false;

  const flush = async (): Promise<void> => {
    if (used === 0) return;
    const full = chunk;
    const length = used;
    // Not ours any more (the hash gives it back): nothing may touch it while we wait.
    chunk = NO_CHUNK;
    used = 0;
    await stream.write(full, length);
    chunk = pool.take();
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
        await stream.write(Buffer.copyBytesFrom(request.line), bytes);
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
        await flush();
        pool.give(chunk);
        chunk = NO_CHUNK;
        await stream.close();
        const totals = {
          scenario,
          model,
          fill,
          maxCompletionTokens: maxCompletion,
          sha256: await hash.digest(),
          createdAt: options.now(),
          sources,
          attempt: options.attempt ?? 1,
          runs,
        };
        return await publishBatchInput(dir, tmp, totals, (path) => (unpublished = path));
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
