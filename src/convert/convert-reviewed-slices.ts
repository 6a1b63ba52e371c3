/**
 * Step 1: reviewed-slice files → batch input files.
 *
 * Streams every reviewed-slice file line by line (constant memory), validates each line, skips
 * slices converted by an earlier run, renders the request of its scenario, and appends it to the
 * open batch input file of its folder and scenario, starting a new file when a per-file limit
 * would be passed. Each folder of the inbox (`<repo>/`) is mirrored in the batch input stage.
 * Lines that cannot be used go to the rejects report of their file; nothing else is lost.
 *
 * It runs as a pipeline over read chunks: a chunk's lines are decided and rendered here, their
 * variable texts are counted by the token counter (a worker thread on the second core) while
 * the next chunks are rendered, and requests are placed into files in input order once their
 * counts are back, so the output is the same whatever the timing.
 */
import { unlink } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import { isReviewedSliceFile } from '../intake/inbox-names.ts';
import { DEFAULT_MAX_LINE_BYTES, readLineBatches, type RawLine } from '../intake/jsonl-lines.ts';
import { parseSliceLine } from '../intake/parse-slice.ts';
import { SeenSliceIds } from '../intake/seen-slice-ids.ts';
import { listFiles, type ListedFile } from '../storage/list-files.ts';
import { EMPTY_FILL, placeRequest, rejectsReportName, type FileLimits } from './batch-file-plan.ts';
import {
  openBatchInputFile,
  removeLeftovers,
  type BatchInputFile,
  type SealedBatchInput,
} from './batch-input-writer.ts';
import { CONVERTED_EARLIER, loadConvertedSlices } from './converted-slices.ts';
import { openRejectsReport, type RejectEntry, type RejectsReport } from './rejects-report.ts';
import {
  createRequestBuilder,
  encodeSliceRequest,
  fixedPromptTokens,
  scenarioOf,
  scenarioSpec,
  type ScenarioBuilders,
} from './request-builder.ts';
import { ByteSink } from '../storage/byte-sink.ts';
import type { Slice } from '../intake/slice-schema.ts';
import type { Scenario } from './response-schemas.ts';
import type { ConvertHelpers } from './helper-thread-client.ts';
import { encodingForModel, type EncodingName } from './token-counter.ts';

export interface ConvertOptions {
  readonly reviewedDir: string;
  readonly batchInputDir: string;
  /** Source paths in manifests and reports are written relative to this folder. */
  readonly dataDir: string;
  readonly config: Config;
  /** The first N slices of each kind, in file order (the seed's --max-scenario1/2). */
  readonly caps?: Partial<Record<Scenario, number | undefined>>;
  /** Token counting and output hashing (the helper thread, or inline). */
  readonly helpers: ConvertHelpers;
  readonly now: () => Date;
  readonly log: Logger;
  /** Only these files; all reviewed-slice files under reviewedDir when absent. */
  readonly files?: readonly ListedFile[];
  readonly onProgress?: (progress: ConvertProgress) => void;
}

export interface ConvertProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly slices: number;
}

export interface InputFileSummary {
  readonly file: string;
  readonly lines: number;
  readonly converted: Record<Scenario, number>;
  readonly rejected: number;
  readonly alreadyConverted: number;
  readonly overCap: number;
  readonly rejectsReport: string | undefined;
}

export interface ConvertSummary {
  readonly inputs: InputFileSummary[];
  readonly outputs: SealedBatchInput[];
  readonly totals: {
    readonly files: number;
    readonly bytes: number;
    readonly lines: number;
    readonly converted: Record<Scenario, number>;
    readonly rejected: number;
    readonly alreadyConverted: number;
    readonly overCap: number;
    readonly promptTokens: number;
  };
}

/**
 * Read chunks rendered ahead of the one being placed: enough to keep both cores busy, few enough
 * that what is in flight dies young (cheap garbage collection).
 */
const IN_FLIGHT = 3;
const READ_CHUNK_BYTES = 256 * 1024;

function displayName(dataDir: string, path: string): string {
  const rel = relative(dataDir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split('\\').join('/');
}

function fileLimits(config: Config, model: string): FileLimits {
  const enqueued = config.limits.enqueued_tokens?.[model];
  const caps = [config.limits.max_tokens_per_file, enqueued].filter(
    (n): n is number => n !== undefined,
  );
  return {
    maxRequests: config.limits.max_requests_per_file,
    maxBytes: config.limits.max_bytes_per_file,
    maxTokens: caps.length > 0 ? Math.min(...caps) : undefined,
  };
}

export function createScenarioBuilders(config: Config): ScenarioBuilders {
  return {
    scenario1: createRequestBuilder(
      scenarioSpec('scenario1', config.scenarios.scenario1, config.model),
    ),
    scenario2: createRequestBuilder(
      scenarioSpec('scenario2', config.scenarios.scenario2, config.model),
    ),
    focus: config.scenarios.scenario1.focus,
    requirements: config.scenarios.scenario2.requirements,
  };
}

/** One input file while it is converted. */
interface InputFile {
  readonly listed: ListedFile;
  readonly sourceName: string;
  readonly sourceIndex: number;
  readonly outDir: string;
  readonly report: RejectsReport;
  readonly reportPath: string;
  readonly summary: {
    lines: number;
    converted: Record<Scenario, number>;
    alreadyConverted: number;
    overCap: number;
  };
}

type Item =
  | {
      readonly kind: 'reject';
      readonly lineNo: number;
      readonly entry: Omit<RejectEntry, 'file' | 'line'>;
    }
  | {
      readonly kind: 'request';
      readonly lineNo: number;
      readonly sliceId: string;
      readonly scenario: Scenario;
      readonly maxCompletionTokens: number;
      /** The encoded line is `bytes[start, end)` of its chunk. */
      readonly start: number;
      readonly end: number;
      /** Its variable-text counts are `[offset, offset + texts)` of its encoding's answer. */
      readonly encoding: EncodingName;
      readonly offset: number;
      readonly texts: number;
    };

interface Chunk {
  readonly file: InputFile;
  readonly items: readonly Item[];
  /** The chunk's request lines, encoded as they were rendered (off the JS heap). */
  readonly sink: ByteSink;
  readonly counts: ReadonlyMap<EncodingName, Promise<Int32Array>>;
}

export async function convertReviewedSlices(options: ConvertOptions): Promise<ConvertSummary> {
  const { config, log, now } = options;
  // Folder by folder (slice ids are unique within a repo folder), in a stable order.
  const files = [
    ...(options.files ?? (await listFiles(options.reviewedDir, (rel) => isReviewedSliceFile(rel)))),
  ].sort((a, b) =>
    a.relDir === b.relDir ? (a.rel < b.rel ? -1 : 1) : a.relDir < b.relDir ? -1 : 1,
  );
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  const builders = createScenarioBuilders(config);
  const scenarios = { scenario1: builders.scenario1, scenario2: builders.scenario2 } as const;
  const encodings: Record<Scenario, EncodingName> = {
    scenario1: encodingForModel(builders.scenario1.spec.model),
    scenario2: encodingForModel(builders.scenario2.spec.model),
  };
  const fixedTokens: Record<Scenario, number> = {
    scenario1: await fixedPromptTokens(builders.scenario1, options.helpers),
    scenario2: await fixedPromptTokens(builders.scenario2, options.helpers),
  };
  const limits: Record<Scenario, FileLimits> = {
    scenario1: fileLimits(config, builders.scenario1.spec.model),
    scenario2: fileLimits(config, builders.scenario2.spec.model),
  };
  const caps: Record<Scenario, number> = {
    scenario1: options.caps?.scenario1 ?? config.limits.max_scenario1 ?? Number.POSITIVE_INFINITY,
    scenario2: options.caps?.scenario2 ?? config.limits.max_scenario2 ?? Number.POSITIVE_INFINITY,
  };

  // The ids of the repo folder being read: converted earlier, or seen in this run.
  let seen = new SeenSliceIds();
  let seenDir: string | undefined;
  const sourceNames: string[] = [];
  const outputs: SealedBatchInput[] = [];
  const inputs: InputFileSummary[] = [];
  const taken: Record<Scenario, number> = { scenario1: 0, scenario2: 0 };
  const cleanedDirs = new Set<string>();
  let bytesBefore = 0;
  let slicesRendered = 0;

  // ---- Deciding and rendering, in input order ----

  type Decision =
    | Extract<Item, { kind: 'reject' }>
    | {
        readonly kind: 'convert';
        readonly lineNo: number;
        readonly slice: Slice;
        readonly scenario: Scenario;
      };

  const decide = (raw: RawLine, file: InputFile): Decision | undefined => {
    if (raw.kind === 'invalid_utf8') {
      return {
        kind: 'reject',
        lineNo: raw.lineNo,
        entry: {
          code: 'invalid_utf8',
          reason: `not valid UTF-8 (${raw.bytes} bytes); the line was not read`,
        },
      };
    }
    if (raw.kind === 'too_long') {
      return {
        kind: 'reject',
        lineNo: raw.lineNo,
        entry: {
          code: 'line_too_long',
          reason: `line of ${raw.bytes} bytes is longer than the ${DEFAULT_MAX_LINE_BYTES}-byte limit`,
        },
      };
    }
    const parsed = parseSliceLine(raw.text);
    if (!parsed.ok) {
      const { ok: _ok, ...entry } = parsed;
      return { kind: 'reject', lineNo: raw.lineNo, entry };
    }
    const slice = parsed.slice;
    const first = seen.get(slice.id);
    if (first?.source === CONVERTED_EARLIER) {
      file.summary.alreadyConverted++;
      return undefined;
    }
    if (first !== undefined) {
      return {
        kind: 'reject',
        lineNo: raw.lineNo,
        entry: {
          code: 'duplicate_id',
          reason: `duplicate id ${JSON.stringify(slice.id)} (first seen in ${sourceNames[first.source]} line ${first.lineNo})`,
          field: 'id',
          id: slice.id,
        },
      };
    }
    const scenario = scenarioOf(slice);
    if (taken[scenario] >= caps[scenario]) {
      // Not converted, so not remembered: a later run with a larger cap converts it.
      file.summary.overCap++;
      return undefined;
    }
    taken[scenario]++;
    seen.add(slice.id, { source: file.sourceIndex, lineNo: raw.lineNo });
    return { kind: 'convert', lineNo: raw.lineNo, slice, scenario };
  };

  // A chunk's sink is reused once its requests are in their files: no garbage buffers.
  const sinks: ByteSink[] = [];
  const renderChunk = (raws: readonly RawLine[], inputBytes: number, file: InputFile): Chunk => {
    const items: Item[] = [];
    const texts = new Map<EncodingName, string[]>();
    const sink = sinks.pop() ?? new ByteSink(Math.max(64 * 1024, inputBytes * 3));
    for (const raw of raws) {
      file.summary.lines = raw.lineNo;
      const d = decide(raw, file);
      if (d === undefined) continue;
      if (d.kind === 'reject') {
        items.push(d);
        continue;
      }
      const start = sink.length;
      const info = encodeSliceRequest(builders, sink, d.slice, file.listed.relDir);
      const encoding = encodings[d.scenario];
      let list = texts.get(encoding);
      if (list === undefined) texts.set(encoding, (list = []));
      items.push({
        kind: 'request',
        lineNo: d.lineNo,
        sliceId: d.slice.id,
        scenario: d.scenario,
        maxCompletionTokens: info.maxCompletionTokens,
        start,
        end: sink.length,
        encoding,
        offset: list.length,
        texts: info.variableTexts.length,
      });
      for (const t of info.variableTexts) list.push(t);
      slicesRendered++;
    }
    const counts = new Map<EncodingName, Promise<Int32Array>>();
    for (const [encoding, list] of texts) {
      counts.set(encoding, options.helpers.countTexts(encoding, list));
    }
    return { file, items, sink, counts };
  };

  // ---- Placing into files, in input order ----

  const writers = new Map<Scenario, BatchInputFile>();
  let writersDir: string | undefined;
  let currentFile: InputFile | undefined;

  // Sealing (flush, fsync, manifest, final name) runs in the background, one file after the
  // other so that names are given in order, while the next requests are placed.
  let sealing: Promise<void> = Promise.resolve();
  const seal = (scenario: Scenario): void => {
    const w = writers.get(scenario);
    if (w === undefined) return;
    writers.delete(scenario);
    sealing = sealing.then(async () => {
      const sealed = await w.seal();
      outputs.push(sealed);
      log.info(
        {
          file: displayName(options.dataDir, sealed.path),
          requests: sealed.manifest.requests,
          promptTokens: sealed.manifest.prompt_tokens,
        },
        `wrote ${sealed.manifest.file}: ${sealed.manifest.requests} requests, ${sealed.manifest.prompt_tokens} prompt tokens`,
      );
    });
  };
  const sealAll = (): void => {
    for (const scenario of [...writers.keys()]) seal(scenario);
  };

  const finishFile = async (file: InputFile): Promise<void> => {
    const published = await file.report.close();
    if (published === undefined) await unlink(file.reportPath).catch(() => undefined);
    const s = file.summary;
    inputs.push({
      file: file.sourceName,
      ...s,
      rejected: file.report.count,
      rejectsReport: published,
    });
    log.info(
      {
        file: file.sourceName,
        lines: s.lines,
        scenario1: s.converted.scenario1,
        scenario2: s.converted.scenario2,
        rejected: file.report.count,
        alreadyConverted: s.alreadyConverted,
        overCap: s.overCap,
      },
      `read ${file.sourceName}: ${s.converted.scenario1 + s.converted.scenario2} slices converted, ${file.report.count} rejected`,
    );
  };

  const place = async (chunk: Chunk): Promise<void> => {
    const { file } = chunk;
    if (currentFile !== file) {
      if (currentFile !== undefined) await finishFile(currentFile);
      currentFile = file;
    }
    if (writersDir !== file.listed.relDir) {
      sealAll();
      writersDir = file.listed.relDir;
    }
    const counts = new Map<EncodingName, Int32Array>();
    for (const [encoding, p] of chunk.counts) counts.set(encoding, await p);
    for (const item of chunk.items) {
      if (item.kind === 'reject') {
        await file.report.add({ file: file.sourceName, line: item.lineNo, ...item.entry });
        continue;
      }
      const { scenario } = item;
      const textCounts = counts.get(item.encoding)!;
      let promptTokens = fixedTokens[scenario];
      for (let i = 0; i < item.texts; i++) promptTokens += textCounts[item.offset + i]!;
      const lineBytes = item.end - item.start;
      let writer = writers.get(scenario);
      const placement = placeRequest(
        writer?.fill ?? EMPTY_FILL,
        { bytes: lineBytes, tokens: promptTokens },
        limits[scenario],
      );
      if (placement === 'too_large') {
        const l = limits[scenario];
        const why =
          lineBytes > l.maxBytes
            ? `${lineBytes} bytes, more than limits.max_bytes_per_file (${l.maxBytes})`
            : `${promptTokens} prompt tokens, more than the per-file token limit (${l.maxTokens})`;
        await file.report.add({
          file: file.sourceName,
          line: item.lineNo,
          code: 'request_too_large',
          reason: `its request alone is ${why}`,
          id: item.sliceId,
        });
        continue;
      }
      if (placement === 'next_file') {
        seal(scenario);
        writer = undefined;
      }
      if (writer === undefined) {
        writer = await openBatchInputFile({
          dir: file.outDir,
          scenario,
          model: scenarios[scenario].spec.model,
          now,
          chunks: options.helpers.chunks,
          contentHash: () => options.helpers.startHash(),
        });
        writers.set(scenario, writer);
      }
      await writer.append(
        {
          line: chunk.sink.bytes.subarray(item.start, item.end),
          promptTokens,
          maxCompletionTokens: item.maxCompletionTokens,
        },
        file.sourceName,
      );
      file.summary.converted[scenario]++;
    }
  };

  const queue: Chunk[] = [];
  const placeAndRecycle = async (chunk: Chunk): Promise<void> => {
    await place(chunk);
    chunk.sink.reset();
    sinks.push(chunk.sink);
  };
  const openFiles: InputFile[] = [];
  try {
    for (const listed of files) {
      const outDir = join(options.batchInputDir, ...listed.relDir.split('/').filter(Boolean));
      if (!cleanedDirs.has(outDir)) {
        cleanedDirs.add(outDir);
        await removeLeftovers(outDir, 60 * 60 * 1000, now());
      }
      if (seenDir !== listed.relDir) {
        // Files come folder by folder: the previous folder's ids are no longer needed.
        seenDir = listed.relDir;
        seen = await loadConvertedSlices(outDir);
      }
      const sourceName = displayName(options.dataDir, listed.path);
      const reportPath = join(outDir, rejectsReportName(listed.rel.split('/').pop()!));
      const file: InputFile = {
        listed,
        sourceName,
        sourceIndex: sourceNames.push(sourceName) - 1,
        outDir,
        report: openRejectsReport(reportPath),
        reportPath,
        summary: {
          lines: 0,
          converted: { scenario1: 0, scenario2: 0 },
          alreadyConverted: 0,
          overCap: 0,
        },
      };
      openFiles.push(file);
      let readSoFar = 0;
      let chunkBytes = 0;
      for await (const raws of readLineBatches(listed.path, {
        chunkBytes: READ_CHUNK_BYTES,
        onBytes: (n) => {
          chunkBytes = n - readSoFar;
          readSoFar = n;
          options.onProgress?.({ bytesDone: bytesBefore + n, bytesTotal, slices: slicesRendered });
        },
      })) {
        queue.push(renderChunk(raws, chunkBytes, file));
        while (queue.length > IN_FLIGHT) await placeAndRecycle(queue.shift()!);
      }
      // A file without any line still gets its summary (and clears a stale report).
      if (queue.length === 0 || queue[queue.length - 1]!.file !== file) {
        queue.push({ file, items: [], sink: sinks.pop() ?? new ByteSink(0), counts: new Map() });
      }
      bytesBefore += listed.size;
    }
    while (queue.length > 0) await placeAndRecycle(queue.shift()!);
    if (currentFile !== undefined) await finishFile(currentFile);
    sealAll();
    await sealing;
  } catch (err) {
    await sealing.catch(() => undefined);
    for (const w of writers.values()) await w.abort();
    for (const f of openFiles) await f.report.abort();
    throw err;
  }

  const sum = (f: (i: InputFileSummary) => number): number => inputs.reduce((n, i) => n + f(i), 0);
  return {
    inputs,
    outputs,
    totals: {
      files: files.length,
      bytes: bytesTotal,
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
