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
import { access, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { displayName } from '../domain/data-paths.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import { isReviewedSliceFile } from '../domain/inbox-names.ts';
import {
  createContentHasher,
  prefixState,
  type ContentFingerprint,
  type PrefixState,
} from '../storage/content-fingerprint.ts';
import { readLineBatches, type RawLine } from '../storage/jsonl-lines.ts';
import { ByteSink } from '../storage/byte-sink.ts';
import { describeListingProblem, listFiles, type ListedFile } from '../storage/list-files.ts';
import { rejectsReportName } from '../domain/file-names.ts';
import {
  createBatchInputPlacer,
  createCountingPlacer,
  fileLimits,
  type CountedRequests,
} from './batch-input-placer.ts';
import { removeLeftovers, type SealedBatchInput } from './batch-input-writer.ts';
import { loadConvertedSlices } from './converted-slices.ts';
import type { ConvertHelpers } from './helper-thread-client.ts';
import {
  countingRejectsReport,
  openRejectsReport,
  type RejectEntry,
  type RejectsReport,
} from './rejects-report.ts';
import {
  createRequestBuilder,
  encodeSliceRequest,
  fixedPromptTokens,
  scenarioSpec,
  type ScenarioBuilders,
} from './request-builder.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import { contextTokensOf, maxSliceChars } from './model-context.ts';
import { createSliceTriage, type ScenarioContext } from './slice-triage.ts';
import { encodingForModel, type EncodingName } from '../domain/token-counter.ts';
import type { CodeFingerprint } from '../domain/code-fingerprint.ts';
import { openDuplicateGate, type SavedRequests } from './duplicate-gate.ts';

export interface ConvertOptions {
  readonly reviewedDir: string;
  readonly batchInputDir: string;
  /** Source paths in manifests and reports are written relative to this folder. */
  readonly dataDir: string;
  readonly config: Config;
  /** The first N slices of each kind, in file order (scenario_processor.py's --max-scenario1/2). */
  readonly caps?: Partial<Record<Scenario, number | undefined>>;
  /** Token counting and output hashing (the helper thread, or inline). */
  readonly helpers: ConvertHelpers;
  readonly now: () => Date;
  readonly log: Logger;
  /** Decide and count, write nothing (`slicebatch estimate`): see ConvertSummary.planned. */
  readonly dryRun?: boolean;
  /** Only these files; all reviewed-slice files under reviewedDir when absent. */
  readonly files?: readonly InputToConvert[];
  readonly onProgress?: (progress: ConvertProgress) => void;
}

/** A reviewed-slice file, or the part of it not read yet. */
export interface InputToConvert extends ListedFile {
  /** Read from here (the lines appended since an earlier read); its rejects report grows. */
  readonly from?: { readonly offset: number; readonly lineNo: number };
  /** Read up to here (the size when the file was found complete). */
  readonly end?: number;
  /** With `from`: the fingerprint state of the bytes before it (read by an earlier pass). */
  readonly prefix?: PrefixState | undefined;
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
  /**
   * The fingerprint of the file as this conversion read it, in the same pass (the bytes
   * before `from` included): what was converted, even when the file changed meanwhile.
   */
  readonly read: Omit<ContentFingerprint, 'prefixSha256'>;
}

export interface ConvertSummary {
  readonly inputs: InputFileSummary[];
  readonly outputs: SealedBatchInput[];
  /** A dry run: the requests it would write, per scenario, with their exact prompt tokens. */
  readonly planned?: Readonly<Record<Scenario, Readonly<CountedRequests>>> & {
    readonly models: Readonly<Record<Scenario, string>>;
  };
  /** Duplicates not sent (`dedup`), with the prompt tokens they would have cost. */
  readonly duplicates?: Readonly<Record<Scenario, Readonly<SavedRequests>>>;
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
 * Read chunks encoded ahead of the one being placed: enough to keep both cores busy, few enough
 * that what is in flight dies young (cheap garbage collection).
 */
const IN_FLIGHT = 3;
const READ_CHUNK_BYTES = 256 * 1024;
/** Leftovers of an interrupted run older than this are removed. */
const LEFTOVER_AGE_MS = 60 * 60 * 1000;

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
  readonly listed: InputToConvert;
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
  read?: Omit<ContentFingerprint, 'prefixSha256'>;
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
      /** The encoded line is `sink.bytes[start, end)` of its chunk. */
      readonly start: number;
      readonly end: number;
      /** Its variable-text counts are `[offset, offset + texts)` of its encoding's answer. */
      readonly encoding: EncodingName;
      readonly offset: number;
      readonly texts: number;
      /** With `dedup`: the fingerprint of its code. */
      readonly fingerprint?: CodeFingerprint | undefined;
    };

interface Chunk {
  readonly file: InputFile;
  readonly items: readonly Item[];
  /** The chunk's request lines, encoded as they were rendered (off the JS heap). */
  readonly sink: ByteSink;
  readonly counts: ReadonlyMap<EncodingName, Promise<Int32Array>>;
}

export async function convertReviewedSlices(options: ConvertOptions): Promise<ConvertSummary> {
  const { config, log, now, helpers } = options;
  // Folder by folder (slice ids are unique within a repo folder), in a stable order.
  const files: InputToConvert[] = [
    ...(options.files ??
      (await listFiles(options.reviewedDir, (rel) => isReviewedSliceFile(rel), {
        onProblem: (p) => log.warn({ folder: p.rel }, `inbox: ${describeListingProblem(p)}`),
      }))),
  ].sort((a, b) =>
    a.relDir === b.relDir ? (a.rel < b.rel ? -1 : 1) : a.relDir < b.relDir ? -1 : 1,
  );
  const bytesToRead = (f: InputToConvert): number =>
    Math.max(0, (f.end ?? f.size) - (f.from?.offset ?? 0));
  const bytesTotal = files.reduce((n, f) => n + bytesToRead(f), 0);
  const builders = createScenarioBuilders(config);
  const models = {
    scenario1: builders.scenario1.spec.model,
    scenario2: builders.scenario2.spec.model,
  };
  const encodings: Record<Scenario, EncodingName> = {
    scenario1: encodingForModel(models.scenario1),
    scenario2: encodingForModel(models.scenario2),
  };
  const fixedTokens: Record<Scenario, number> = {
    scenario1: await fixedPromptTokens(builders.scenario1, helpers),
    scenario2: await fixedPromptTokens(builders.scenario2, helpers),
  };
  const sourceNames: string[] = [];
  const contextOf = (model: string): ScenarioContext => ({
    model,
    contextTokens: contextTokensOf(model),
    maxChars: maxSliceChars(model),
  });
  const contexts: Record<Scenario, ScenarioContext> = {
    scenario1: contextOf(models.scenario1),
    scenario2: contextOf(models.scenario2),
  };
  const triage = createSliceTriage(
    {
      scenario1: options.caps?.scenario1 ?? config.limits.max_scenario1 ?? Infinity,
      scenario2: options.caps?.scenario2 ?? config.limits.max_scenario2 ?? Infinity,
    },
    (index) => sourceNames[index],
    contexts,
  );
  const outputs: SealedBatchInput[] = [];
  const limits = {
    scenario1: fileLimits(config, models.scenario1),
    scenario2: fileLimits(config, models.scenario2),
  };
  const counting = options.dryRun === true ? createCountingPlacer(limits) : undefined;
  const dedup = await openDuplicateGate({ ...options, dryRun: counting !== undefined });
  const placer =
    counting ??
    createBatchInputPlacer({
      models,
      limits,
      now,
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
  const inputs: InputFileSummary[] = [];
  let slicesEncoded = 0;

  // ---- Triage and encoding, in input order ----

  // A chunk's sink is reused once its requests are in their files: no garbage buffers.
  const sinks: ByteSink[] = [];
  const encodeChunk = (raws: readonly RawLine[], inputBytes: number, file: InputFile): Chunk => {
    const items: Item[] = [];
    const texts = new Map<EncodingName, string[]>();
    const sink = sinks.pop() ?? new ByteSink(Math.max(64 * 1024, inputBytes * 3));
    for (const raw of raws) {
      file.summary.lines = raw.lineNo;
      const t = triage.triage(raw, { index: file.sourceIndex });
      if (t.kind === 'already_converted') {
        file.summary.alreadyConverted++;
      } else if (t.kind === 'over_cap') {
        file.summary.overCap++;
      } else if (t.kind === 'reject') {
        items.push({ kind: 'reject', lineNo: raw.lineNo, entry: t.entry });
      } else {
        const start = sink.length;
        const info = encodeSliceRequest(builders, sink, t.slice, file.listed.relDir);
        const encoding = encodings[t.scenario];
        let list = texts.get(encoding);
        if (list === undefined) texts.set(encoding, (list = []));
        items.push({
          kind: 'request',
          lineNo: raw.lineNo,
          sliceId: t.slice.id,
          scenario: t.scenario,
          maxCompletionTokens: info.maxCompletionTokens,
          start,
          end: sink.length,
          encoding,
          offset: list.length,
          texts: info.variableTexts.length,
          fingerprint: dedup?.fingerprint(t.slice),
        });
        for (const text of info.variableTexts) list.push(text);
        slicesEncoded++;
      }
    }
    const counts = new Map<EncodingName, Promise<Int32Array>>();
    for (const [encoding, list] of texts) counts.set(encoding, helpers.countTexts(encoding, list));
    return { file, items, sink, counts };
  };

  // ---- Placing into files, in input order ----

  let currentFile: InputFile | undefined;
  const finishFile = async (file: InputFile): Promise<void> => {
    openFiles.delete(file);
    let published = await file.report.close();
    if (counting !== undefined) {
      published = undefined; // a dry run writes nothing, removes nothing
    } else if (published === undefined && file.listed.from === undefined) {
      await unlink(file.reportPath).catch(() => undefined);
    } else if (published === undefined) {
      // Only appended lines were read, none rejected: the report of the earlier lines stands.
      published = await access(file.reportPath).then(
        () => file.reportPath,
        () => undefined,
      );
    }
    const s = file.summary;
    const rejected = file.report.count;
    const read = file.read!;
    inputs.push({ file: file.sourceName, ...s, rejected, rejectsReport: published, read });
    const { scenario1, scenario2 } = s.converted;
    log.info(
      {
        file: file.sourceName,
        lines: s.lines,
        scenario1,
        scenario2,
        rejected,
        alreadyConverted: s.alreadyConverted,
        overCap: s.overCap,
      },
      `read ${file.sourceName}: ${scenario1 + scenario2} slices converted, ${rejected} rejected`,
    );
  };

  const place = async (chunk: Chunk): Promise<void> => {
    const { file } = chunk;
    if (currentFile !== file) {
      if (currentFile !== undefined) await finishFile(currentFile);
      currentFile = file;
    }
    placer.useFolder(file.outDir);
    const counts = new Map<EncodingName, Int32Array>();
    for (const [encoding, p] of chunk.counts) counts.set(encoding, await p);
    for (const item of chunk.items) {
      if (item.kind === 'reject') {
        await file.report.add({ file: file.sourceName, line: item.lineNo, ...item.entry });
        continue;
      }
      const textCounts = counts.get(item.encoding)!;
      let promptTokens = fixedTokens[item.scenario];
      for (let i = 0; i < item.texts; i++) promptTokens += textCounts[item.offset + i]!;
      const context = contexts[item.scenario];
      if (promptTokens + item.maxCompletionTokens > context.contextTokens) {
        const n = (x: number): string => x.toLocaleString('en-US');
        await file.report.add({
          file: file.sourceName,
          line: item.lineNo,
          code: 'slice_too_large',
          reason:
            `${n(promptTokens)} prompt tokens + ${n(item.maxCompletionTokens)} completion tokens: ` +
            `more than the ${n(context.contextTokens)}-token context of ${context.model}; not sent`,
          id: item.sliceId,
        });
        continue;
      }
      const candidate =
        dedup === undefined
          ? undefined
          : {
              repo: file.listed.relDir,
              id: item.sliceId,
              file: file.sourceName,
              line: item.lineNo,
              scenario: item.scenario,
              model: models[item.scenario],
              promptTokens,
              fingerprint: item.fingerprint!,
            };
      const duplicate = candidate === undefined ? undefined : dedup!.check(candidate);
      if (duplicate !== undefined) {
        await file.report.add({ file: file.sourceName, line: item.lineNo, ...duplicate });
        continue;
      }
      const placed = await placer.place(
        item.scenario,
        {
          line: chunk.sink.bytes.subarray(item.start, item.end),
          promptTokens,
          maxCompletionTokens: item.maxCompletionTokens,
        },
        file.sourceName,
      );
      if (placed.ok) {
        file.summary.converted[item.scenario]++;
        if (candidate !== undefined) dedup!.keep(candidate);
      } else {
        await file.report.add({
          file: file.sourceName,
          line: item.lineNo,
          code: 'request_too_large',
          reason: placed.reason,
          id: item.sliceId,
        });
      }
    }
    chunk.sink.reset();
    sinks.push(chunk.sink);
  };

  const queue: Chunk[] = [];
  /** Files whose report is open (finished ones are let go: memory per file stays small). */
  const openFiles = new Set<InputFile>();
  const cleanedDirs = new Set<string>();
  let triageDir: string | undefined;
  let bytesBefore = 0;
  try {
    for (const listed of files) {
      const outDir = join(options.batchInputDir, ...listed.relDir.split('/').filter(Boolean));
      if (!cleanedDirs.has(outDir)) {
        cleanedDirs.add(outDir);
        if (counting === undefined) await removeLeftovers(outDir, LEFTOVER_AGE_MS, now());
      }
      if (triageDir !== listed.relDir) {
        // Files come folder by folder: the previous folder's ids are no longer needed.
        triageDir = listed.relDir;
        triage.startFolder(await loadConvertedSlices(outDir));
      }
      const sourceName = displayName(options.dataDir, listed.path);
      const reportPath = join(outDir, rejectsReportName(listed.rel.split('/').pop()!));
      const file: InputFile = {
        listed,
        sourceName,
        sourceIndex: sourceNames.push(sourceName) - 1,
        outDir,
        report:
          counting === undefined
            ? openRejectsReport(reportPath, listed.from !== undefined)
            : countingRejectsReport(),
        reportPath,
        summary: {
          lines: 0,
          converted: { scenario1: 0, scenario2: 0 },
          alreadyConverted: 0,
          overCap: 0,
        },
      };
      openFiles.add(file);
      let readSoFar = 0;
      let chunkBytes = 0;
      const hasher = createContentHasher(
        listed.from === undefined
          ? undefined
          : (listed.prefix ?? (await prefixState(listed.path, listed.from.offset))),
      );
      for await (const raws of readLineBatches(listed.path, {
        chunkBytes: READ_CHUNK_BYTES,
        onChunk: (bytes) => hasher.update(bytes),
        ...(listed.from !== undefined ? { from: listed.from } : {}),
        ...(listed.end !== undefined ? { end: listed.end } : {}),
        onBytes: (n) => {
          chunkBytes = n - readSoFar;
          readSoFar = n;
          options.onProgress?.({ bytesDone: bytesBefore + n, bytesTotal, slices: slicesEncoded });
        },
      })) {
        queue.push(encodeChunk(raws, chunkBytes, file));
        while (queue.length > IN_FLIGHT) await place(queue.shift()!);
      }
      file.read = hasher.digest();
      // A file without any line still gets its summary (and clears a stale report).
      if (queue.length === 0 || queue[queue.length - 1]!.file !== file) {
        queue.push(encodeChunk([], 0, file));
      }
      bytesBefore += bytesToRead(listed);
    }
    while (queue.length > 0) await place(queue.shift()!);
    if (currentFile !== undefined) await finishFile(currentFile);
    await placer.finish();
    dedup?.finish();
  } catch (err) {
    dedup?.abort();
    await placer.abort();
    for (const f of openFiles) await f.report.abort();
    throw err;
  }

  const sum = (f: (i: InputFileSummary) => number): number => inputs.reduce((n, i) => n + f(i), 0);
  return {
    inputs,
    outputs,
    ...(counting === undefined ? {} : { planned: { ...counting.counted, models } }),
    ...(dedup === undefined ? {} : { duplicates: dedup.saved }),
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
