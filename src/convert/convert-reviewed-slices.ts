/**
 * Step 1: reviewed-slice files → batch input files.
 *
 * Streams every reviewed-slice file line by line (constant memory), validates each line, skips
 * slices converted by an earlier run, builds the request of its scenario, and appends it to the
 * open batch input file of its folder and scenario, starting a new file when a per-file limit
 * would be passed. Each folder of the inbox (`<repo>/`) is mirrored in the batch input stage.
 * Lines that cannot be used go to the rejects report of their file; nothing else is lost.
 */
import { unlink } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import { isReviewedSliceFile } from '../intake/inbox-names.ts';
import { readLineBatches, type RawLine } from '../intake/jsonl-lines.ts';
import { parseSliceLine, type ParsedLine } from '../intake/parse-slice.ts';
import { SeenSliceIds, sliceKey } from '../intake/seen-slice-ids.ts';
import { listFiles, type ListedFile } from '../storage/list-files.ts';
import { placeRequest, rejectsReportName, type FileLimits } from './batch-file-plan.ts';
import {
  openBatchInputFile,
  removeLeftovers,
  type BatchInputFile,
  type SealedBatchInput,
} from './batch-input-writer.ts';
import { CONVERTED_EARLIER, loadConvertedSlices } from './converted-slices.ts';
import { openRejectsReport, type RejectEntry } from './rejects-report.ts';
import {
  buildSliceRequest,
  createRequestBuilder,
  scenarioSpec,
  type ScenarioBuilders,
} from './request-builder.ts';
import type { Scenario } from './response-schemas.ts';
import { encodingForModel, type EncodingName, type TokenCounter } from './token-counter.ts';

export interface ConvertOptions {
  readonly reviewedDir: string;
  readonly batchInputDir: string;
  /** Source paths in manifests and reports are written relative to this folder. */
  readonly dataDir: string;
  readonly config: Config;
  /** The first N slices of each kind, in file order (the seed's --max-scenario1/2). */
  readonly caps?: Partial<Record<Scenario, number | undefined>>;
  readonly tokenCounter: (encoding: EncodingName) => Promise<TokenCounter>;
  readonly now: () => Date;
  readonly log: Logger;
  /** Only these files (relative to reviewedDir); all reviewed-slice files when absent. */
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

export async function createScenarioBuilders(
  config: Config,
  tokenCounter: (encoding: EncodingName) => Promise<TokenCounter>,
): Promise<ScenarioBuilders> {
  const s1 = scenarioSpec('scenario1', config.scenarios.scenario1, config.model);
  const s2 = scenarioSpec('scenario2', config.scenarios.scenario2, config.model);
  return {
    scenario1: createRequestBuilder(s1, await tokenCounter(encodingForModel(s1.model))),
    scenario2: createRequestBuilder(s2, await tokenCounter(encodingForModel(s2.model))),
    focus: config.scenarios.scenario1.focus,
    requirements: config.scenarios.scenario2.requirements,
  };
}

export async function convertReviewedSlices(options: ConvertOptions): Promise<ConvertSummary> {
  const { config, log, now } = options;
  const files =
    options.files ?? (await listFiles(options.reviewedDir, (rel) => isReviewedSliceFile(rel)));
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  const builders = await createScenarioBuilders(config, options.tokenCounter);
  const limits: Record<Scenario, FileLimits> = {
    scenario1: fileLimits(config, builders.scenario1.spec.model),
    scenario2: fileLimits(config, builders.scenario2.spec.model),
  };
  const caps: Record<Scenario, number> = {
    scenario1: options.caps?.scenario1 ?? config.limits.max_scenario1 ?? Number.POSITIVE_INFINITY,
    scenario2: options.caps?.scenario2 ?? config.limits.max_scenario2 ?? Number.POSITIVE_INFINITY,
  };

  const seen = await loadConvertedSlices(options.batchInputDir, new SeenSliceIds(1 << 16));
  const sourceNames: string[] = [];
  const outputs: SealedBatchInput[] = [];
  const inputs: InputFileSummary[] = [];
  const converted: Record<Scenario, number> = { scenario1: 0, scenario2: 0 };
  let bytesBefore = 0;
  let slicesDone = 0;

  const writers = new Map<Scenario, BatchInputFile>();
  let writersDir = '';
  const sealAll = async (): Promise<void> => {
    for (const [scenario, w] of writers) {
      writers.delete(scenario);
      if (w.fill.requests === 0) {
        await w.abort();
        continue;
      }
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
    }
  };
  const abortAll = async (): Promise<void> => {
    for (const w of writers.values()) await w.abort();
    writers.clear();
  };

  try {
    for (const file of files) {
      const outDir = join(options.batchInputDir, ...file.relDir.split('/').filter(Boolean));
      if (file.relDir !== writersDir || writers.size === 0) {
        await sealAll();
        writersDir = file.relDir;
        await removeLeftovers(outDir, 60 * 60 * 1000, now());
      }
      const sourceName = displayName(options.dataDir, file.path);
      const sourceIndex = sourceNames.push(sourceName) - 1;
      const reportPath = join(outDir, rejectsReportName(file.rel.split('/').pop()!));
      const report = openRejectsReport(reportPath);
      const summary = {
        file: sourceName,
        lines: 0,
        converted: { scenario1: 0, scenario2: 0 } as Record<Scenario, number>,
        rejected: 0,
        alreadyConverted: 0,
        overCap: 0,
      };
      const reject = (line: number, r: Omit<RejectEntry, 'file' | 'line'>): Promise<void> =>
        report.add({ file: sourceName, line, ...r });

      try {
        for await (const batch of readLineBatches(file.path, {
          onBytes: (n) =>
            options.onProgress?.({
              bytesDone: bytesBefore + n,
              bytesTotal,
              slices: slicesDone,
            }),
        })) {
          for (const raw of batch) {
            summary.lines = raw.lineNo;
            await handleLine(raw);
          }
        }
      } catch (err) {
        await report.abort();
        throw err;
      }
      const published = await report.close();
      if (published === undefined) await unlink(reportPath).catch(() => undefined);
      summary.rejected = report.count;
      inputs.push({ ...summary, rejectsReport: published });
      bytesBefore += file.size;
      log.info(
        {
          file: sourceName,
          lines: summary.lines,
          scenario1: summary.converted.scenario1,
          scenario2: summary.converted.scenario2,
          rejected: summary.rejected,
          alreadyConverted: summary.alreadyConverted,
          overCap: summary.overCap,
        },
        `read ${sourceName}: ${summary.converted.scenario1 + summary.converted.scenario2} slices converted, ${summary.rejected} rejected`,
      );

      async function handleLine(raw: RawLine): Promise<void> {
        if (raw.kind === 'invalid_utf8') {
          return reject(raw.lineNo, {
            code: 'invalid_utf8',
            reason: `not valid UTF-8 (${raw.bytes} bytes); the line was not read`,
          });
        }
        if (raw.kind === 'too_long') {
          return reject(raw.lineNo, {
            code: 'line_too_long',
            reason: `line of ${raw.bytes} bytes is longer than the ${16 * 1024 * 1024}-byte limit`,
          });
        }
        const parsed: ParsedLine = parseSliceLine(raw.text);
        if (!parsed.ok) {
          const { ok: _ok, ...rest } = parsed;
          return reject(raw.lineNo, rest);
        }
        const slice = parsed.slice;
        const key = sliceKey(file.relDir, slice.id);
        const scenario: Scenario = slice.type === 'function' ? 'scenario1' : 'scenario2';
        if (seen.has(key)) {
          const first = seen.add(key, { source: sourceIndex, lineNo: raw.lineNo });
          if (first?.source === CONVERTED_EARLIER) {
            summary.alreadyConverted++;
            return;
          }
          const where =
            first === undefined
              ? ''
              : ` (first seen in ${sourceNames[first.source]} line ${first.lineNo})`;
          return reject(raw.lineNo, {
            code: 'duplicate_id',
            reason: `duplicate id ${JSON.stringify(slice.id)}${where}`,
            field: 'id',
            id: slice.id,
          });
        }
        if (converted[scenario] >= caps[scenario]) {
          summary.overCap++;
          return;
        }
        const { request } = buildSliceRequest(builders, slice, file.relDir);
        let writer = writers.get(scenario);
        const placement = placeRequest(
          writer?.fill ?? { requests: 0, bytes: 0, tokens: 0 },
          { bytes: request.bytes, tokens: request.promptTokens },
          limits[scenario],
        );
        if (placement === 'too_large') {
          const l = limits[scenario];
          const why =
            request.bytes > l.maxBytes
              ? `${request.bytes} bytes, more than limits.max_bytes_per_file (${l.maxBytes})`
              : `${request.promptTokens} prompt tokens, more than the per-file token limit (${l.maxTokens})`;
          return reject(raw.lineNo, {
            code: 'request_too_large',
            reason: `its request alone is ${why}`,
            id: slice.id,
          });
        }
        if (placement === 'next_file' && writer !== undefined) {
          writers.delete(scenario);
          const sealed = await writer.seal();
          outputs.push(sealed);
          writer = undefined;
        }
        if (writer === undefined) {
          writer = await openBatchInputFile({
            dir: outDir,
            scenario,
            model: (scenario === 'scenario1' ? builders.scenario1 : builders.scenario2).spec.model,
            now,
          });
          writers.set(scenario, writer);
        }
        await writer.append(request, sourceName);
        seen.add(key, { source: sourceIndex, lineNo: raw.lineNo });
        converted[scenario]++;
        summary.converted[scenario]++;
        slicesDone++;
      }
    }
    await sealAll();
  } catch (err) {
    await abortAll();
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
      converted,
      rejected: sum((i) => i.rejected),
      alreadyConverted: sum((i) => i.alreadyConverted),
      overCap: sum((i) => i.overCap),
      promptTokens: outputs.reduce((n, o) => n + o.manifest.prompt_tokens, 0),
    },
  };
}
