/**
 * Writing one batch input file. Requests are streamed to a hidden temporary file; sealing
 * fsyncs it, reserves a free final name by creating its manifest exclusively, writes the
 * manifest (totals for the token budget and the cost estimate), and links the file under its
 * final name without replacing anything. A crash at any point leaves either the complete file
 * with its manifest, or no file under a final name (a temporary file and at most an orphan
 * manifest, which `removeLeftovers` clears).
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { fsyncDir, publishNoClobber, tempPathFor } from '../storage/atomic-file.ts';
import {
  BATCH_INPUT_NAME,
  EMPTY_FILL,
  addToFill,
  batchInputName,
  fileTimestamp,
  manifestNameFor,
  type FileFill,
} from './batch-file-plan.ts';
import type { BuiltRequest } from './request-builder.ts';
import type { Scenario } from './response-schemas.ts';

export interface BatchInputManifest {
  readonly version: 1;
  readonly file: string;
  readonly scenario: Scenario;
  readonly model: string;
  readonly requests: number;
  readonly bytes: number;
  readonly prompt_tokens: number;
  /** The sum of `max_completion_tokens` over the requests: the most output they can cost. */
  readonly max_completion_tokens: number;
  readonly sha256: string;
  readonly created_at: string;
  /** The reviewed-slice files (relative to the data folder) whose slices are in this file. */
  readonly sources: readonly string[];
  /** 1 for first attempts; higher for files of retried requests. */
  readonly attempt: number;
}

export interface SealedBatchInput {
  readonly path: string;
  readonly manifestPath: string;
  readonly manifest: BatchInputManifest;
}

export interface BatchInputFile {
  readonly scenario: Scenario;
  readonly model: string;
  readonly fill: FileFill;
  append(request: BuiltRequest, source: string): Promise<void>;
  seal(): Promise<SealedBatchInput>;
  abort(): Promise<void>;
}

export interface OpenBatchInputOptions {
  readonly dir: string;
  readonly scenario: Scenario;
  readonly model: string;
  readonly now: () => Date;
  readonly attempt?: number;
}

const FLUSH_BYTES = 1024 * 1024;

export async function openBatchInputFile(options: OpenBatchInputOptions): Promise<BatchInputFile> {
  const { dir, scenario, model } = options;
  await mkdir(dir, { recursive: true });
  const tmp = tempPathFor(join(dir, `${scenario}_batch_input.jsonl`));
  const stream: WriteStream = createWriteStream(tmp, { flags: 'wx', flush: true });
  await once(stream, 'open');
  const hash: Hash = createHash('sha256');
  let fill = EMPTY_FILL;
  let maxCompletion = 0;
  const sources = new Set<string>();
  let pending: string[] = [];
  let pendingBytes = 0;
  let done = false;

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    pendingBytes = 0;
    hash.update(text, 'utf8');
    if (!stream.write(text)) await once(stream, 'drain');
  };

  const close = async (): Promise<void> => {
    stream.end();
    await once(stream, 'close');
  };

  return {
    scenario,
    model,
    get fill() {
      return fill;
    },
    async append(request, source) {
      if (done) throw new Error('batch input file already sealed');
      pending.push(request.line);
      pendingBytes += request.bytes;
      fill = addToFill(fill, { bytes: request.bytes, tokens: request.promptTokens });
      maxCompletion += request.maxCompletionTokens;
      sources.add(source);
      if (pendingBytes >= FLUSH_BYTES) await flush();
    },
    async seal() {
      if (done) throw new Error('batch input file already sealed');
      done = true;
      await flush();
      await close();
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
        const manifest: BatchInputManifest = {
          version: 1,
          file: name,
          scenario,
          model,
          requests: fill.requests,
          bytes: fill.bytes,
          prompt_tokens: fill.tokens,
          max_completion_tokens: maxCompletion,
          sha256: hash.digest('hex'),
          created_at: options.now().toISOString(),
          sources: [...sources].sort(),
          attempt: options.attempt ?? 1,
        };
        try {
          await reserved.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
          await reserved.sync();
        } finally {
          await reserved.close();
        }
        const path = join(dir, name);
        if (await publishNoClobber(tmp, path)) {
          return { path, manifestPath, manifest };
        }
        // A file of that name without our manifest: leave it alone, try the next name.
        await unlink(manifestPath);
        await fsyncDir(dir);
      }
    },
    async abort() {
      if (done) return;
      done = true;
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
