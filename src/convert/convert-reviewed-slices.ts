/**
 * Step 1: reviewed-slice files → batch input files.
 *
 * Streams every reviewed-slice file line by line (constant memory); each line is triaged
 * (slice-triage.ts: rejected with a reason, skipped, or converted), the request of each slice
 * is encoded, and placed into the batch input file of its repo folder and scenario
 * (batch-input-placer.ts). Each folder of the inbox (`<repo>/`) is mirrored in the batch input
 * stage. Lines that cannot be used go to the rejects report of their file; nothing else is lost.
 *
 * It runs as a pipeline over read chunks: a chunk's lines are triaged and encoded here, their
 * variable texts are counted by the helper thread while the next chunks are encoded, and
 * requests are placed in input order once their counts are back, so the output is the same
 * whatever the timing.
 */
import { join } from 'node:path';
import { displayName } from '../domain/data-paths.ts';
import { isReviewedSliceFile } from '../domain/inbox-names.ts';
import { prefixState } from '../storage/content-fingerprint.ts';
import { readLineBatches } from '../storage/jsonl-lines.ts';
import { describeListingProblem, listFiles } from '../storage/list-files.ts';
import type { SealedBatchInput } from './batch-input-writer.ts';
import { createChunkEncoder, type InputFile } from './chunk-encoder.ts';
import { createChunkPipeline } from './chunk-pipeline.ts';
import { createChunkPlacement } from './chunk-placement.ts';
import { countingOutput, writingOutput, type ConvertOutput } from './convert-output.ts';
import type {
  ConvertOptions,
  ConvertSummary,
  InputFileSummary,
  InputToConvert,
} from './convert-types.ts';
import { loadConvertedSlices } from './converted-slices.ts';
import type { DuplicateGate } from './duplicate-gate.ts';
import type { ConvertHelpers } from './helper-thread-client.ts';
import { createInputHasher, createReadBuffers, type ReadBuffers } from './input-hasher.ts';
import { openInputFile } from './input-files.ts';
import { setUpScenarios, type ScenarioSetup } from './scenario-setup.ts';

export type {
  ConvertOptions,
  ConvertProgress,
  ConvertSummary,
  InputFileSummary,
  InputToConvert,
} from './convert-types.ts';
export { createScenarioBuilders } from './scenario-setup.ts';

const READ_CHUNK_BYTES = 256 * 1024;
/** Leftovers of an interrupted run older than this are removed. */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;

const bytesToRead = (f: InputToConvert): number =>
  Math.max(0, (f.end ?? f.size) - (f.from?.offset ?? 0));

/** The files to convert, folder by folder (slice ids are unique within a repo folder), in a stable order. */
async function filesToConvert(options: ConvertOptions): Promise<InputToConvert[]> {
  const { log } = options;
  return [
    ...(options.files ??
      (await listFiles(options.reviewedDir, (rel) => isReviewedSliceFile(rel), {
        onProblem: (p) => log.warn({ folder: p.rel }, `inbox: ${describeListingProblem(p)}`),
      }))),
  ].sort((a, b) =>
    a.relDir === b.relDir ? (a.rel < b.rel ? -1 : 1) : a.relDir < b.relDir ? -1 : 1,
  );
}

/** The writing output of a real run: sealed files are collected and logged. */
function writeBatchInputs(
  options: ConvertOptions,
  setup: ScenarioSetup,
  dedup: DuplicateGate | undefined,
  outputs: SealedBatchInput[],
): ConvertOutput {
  const { helpers, log } = options;
  return writingOutput({
    models: setup.models,
    limits: setup.limits,
    now: options.now,
    chunks: helpers.chunks,
    contentHash: () => helpers.startHash(),
    ...(dedup === undefined ? {} : { beforeSeal: () => dedup.beforeSeal() }),
    onSealed: (sealed) => {
      outputs.push(sealed);
      const { file, requests, prompt_tokens } = sealed.manifest;
      log.info(
        {
          file: displayName(options.dataDir, sealed.path),
          requests,
          promptTokens: prompt_tokens,
        },
        `wrote ${file}: ${requests} requests, ${prompt_tokens} prompt tokens`,
      );
    },
  });
}

export async function convertReviewedSlices(options: ConvertOptions): Promise<ConvertSummary> {
  const { log, now, helpers } = options;
  const files = await filesToConvert(options);
  const bytesTotal = files.reduce((n, f) => n + bytesToRead(f), 0);
  const sourceNames: string[] = [];
  const setup = setUpScenarios(
    options.config,
    options.caps,
    helpers,
    (index) => sourceNames[index],
  );
  const { triage } = setup;
  const outputs: SealedBatchInput[] = [];
  const dryRun = options.dryRun === true;
  // The duplicate store (SQLite and its tables) is loaded only when dedup is on (off by default).
  const dedup = options.config.dedup.enabled
    ? await (await import('./duplicate-gate.ts')).openDuplicateGate({ ...options, dryRun })
    : undefined;
  const output = dryRun
    ? countingOutput(setup.limits)
    : writeBatchInputs(options, setup, dedup, outputs);
  const { placer } = output;
  const encoder = createChunkEncoder(setup, helpers, dedup);
  const placement = createChunkPlacement(setup, placer, dedup, (words) =>
    helpers.giveBackFingerprints(words),
  );
  const pipeline = createChunkPipeline({
    placement,
    recycle: (sink) => encoder.recycle(sink),
    output,
    log,
  });

  const readBuffers = createReadBuffers(READ_CHUNK_BYTES);
  const cleanedDirs = new Set<string>();
  let triageDir: string | undefined;
  let bytesBefore = 0;
  try {
    for (const listed of files) {
      const outDir = join(options.batchInputDir, ...listed.relDir.split('/').filter(Boolean));
      if (!cleanedDirs.has(outDir)) {
        cleanedDirs.add(outDir);
        await output.clearLeftovers(outDir, LEFTOVER_AGE_MS, now());
      }
      if (triageDir !== listed.relDir) {
        // Files come folder by folder: the previous folder's ids are no longer needed.
        triageDir = listed.relDir;
        triage.startFolder(await loadConvertedSlices(outDir, undefined, options.convertedFiles));
      }
      const file = openInputFile(listed, { dataDir: options.dataDir, outDir }, sourceNames, output);
      pipeline.opened(file);
      await readInto(file, encoder, pipeline, { buffers: readBuffers, helpers }, (n) => {
        dedup?.progress(bytesBefore + n, bytesTotal);
        options.onProgress?.({
          bytesDone: bytesBefore + n,
          bytesTotal,
          slices: encoder.slicesEncoded,
        });
      });
      bytesBefore += bytesToRead(listed);
    }
    await pipeline.drain();
    await placer.finish();
    dedup?.finish();
  } catch (err) {
    dedup?.abort();
    await placer.abort();
    await pipeline.abort();
    throw err;
  }
  return summarize(files.length, bytesTotal, pipeline.inputs, outputs, output, setup, dedup);
}

/**
 * Reads an input file's lines (from where an earlier read stopped, when it did) into the
 * pipeline, and its fingerprint as read; `onBytes` gets the bytes read so far.
 */
async function readInto(
  file: InputFile,
  encoder: ReturnType<typeof createChunkEncoder>,
  pipeline: ReturnType<typeof createChunkPipeline>,
  reading: { readonly buffers: ReadBuffers; readonly helpers: ConvertHelpers },
  onBytes: (n: number) => void,
): Promise<void> {
  const { listed } = file;
  let readSoFar = 0;
  let chunkBytes = 0;
  const { buffers, helpers } = reading;
  const hasher = createInputHasher(
    listed.from === undefined
      ? undefined
      : (listed.prefix ?? (await prefixState(listed.path, listed.from.offset))),
    (giveBack) => helpers.startHash(giveBack),
    (buffer) => buffers.give(buffer),
  );
  for await (const raws of readLineBatches(listed.path, {
    chunkBytes: READ_CHUNK_BYTES,
    buffers: { take: () => buffers.take(), done: (buffer, n) => hasher.update(buffer, n) },
    ...(listed.from !== undefined ? { from: listed.from } : {}),
    ...(listed.end !== undefined ? { end: listed.end } : {}),
    onBytes: (n) => {
      chunkBytes = n - readSoFar;
      readSoFar = n;
      onBytes(n);
    },
  })) {
    await pipeline.push(encoder.encode(raws, chunkBytes, file));
  }
  file.read = hasher.digest();
  // Awaited where the file's summary is made (its SHA-256 comes from the helper thread).
  file.read.catch(() => undefined);
  // A file without any line still gets its summary (and clears a stale report).
  if (!pipeline.hasQueued(file)) await pipeline.push(encoder.encode([], 0, file));
}

function summarize(
  files: number,
  bytes: number,
  inputs: InputFileSummary[],
  outputs: SealedBatchInput[],
  output: ConvertOutput,
  setup: ScenarioSetup,
  dedup: DuplicateGate | undefined,
): ConvertSummary {
  const sum = (f: (i: InputFileSummary) => number): number => inputs.reduce((n, i) => n + f(i), 0);
  const planned = output.planned();
  return {
    inputs,
    outputs,
    ...(planned === undefined ? {} : { planned: { ...planned, models: setup.models } }),
    ...(dedup === undefined ? {} : { duplicates: dedup.saved }),
    totals: {
      files,
      bytes,
      lines: sum((i) => i.lines),
      converted: {
        scenario1: sum((i) => i.converted.scenario1),
        scenario2: sum((i) => i.converted.scenario2),
      },
      rejected: sum((i) => i.rejected),
      alreadyConverted: sum((i) => i.alreadyConverted),
      overCap: sum((i) => i.overCap),
      promptTokens: outputs.reduce((n, o) => n + o.manifest.prompt_tokens, 0),
    },
  };
}
