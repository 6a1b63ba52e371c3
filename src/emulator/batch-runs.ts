/**
 * The runs of the emulator's batches: one runner per batch in progress, and the result files it
 * leaves (registered as the batch's output and error files, or removed when empty).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmulatorClock } from './clock.ts';
import { createBatchRunner, type BatchRunner, type UpstreamCall } from './batch-runner.ts';
import type { BatchRecord } from './batch-record.ts';
import type { FileStore } from './file-store.ts';
import type { Faults } from './faults.ts';
import type { Tokenizers } from './tokenizers.ts';

export interface BatchRunsOptions {
  readonly workDir: string;
  readonly clock: EmulatorClock;
  readonly files: FileStore;
  readonly faults: Faults;
  readonly seed: number;
  readonly tokenizers: Tokenizers;
  readonly upstream?: { call: UpstreamCall; concurrency: number } | undefined;
}

function runPaths(workDir: string, b: BatchRecord) {
  return {
    output: join(workDir, `${b.id}.output.jsonl`),
    error: join(workDir, `${b.id}.error.jsonl`),
  };
}

/**
 * Registers a run's result files as the batch's output and error files (with the batch's
 * output expiry), or removes one that has no line.
 */
async function registerResults(
  files: FileStore,
  b: BatchRecord,
  paths: { output: string; error: string },
  lines: { outputLines: number; errorLines: number },
  now: number,
): Promise<void> {
  const resultFile = async (path: string, name: string, count: number) => {
    if (count === 0) {
      await rm(path, { force: true });
      return null;
    }
    const expiresAfter = b.output_expires_after_s ?? undefined;
    return (await files.register(path, name, 'batch_output', now, expiresAfter)).id;
  };
  const output = await resultFile(paths.output, `batch_${b.id}_output.jsonl`, lines.outputLines);
  if (output !== null) b.output_file_id = output;
  const error = await resultFile(paths.error, `batch_${b.id}_error.jsonl`, lines.errorLines);
  if (error !== null) b.error_file_id = error;
}

export function createBatchRuns(options: BatchRunsOptions) {
  const { workDir, clock, files } = options;
  const runners = new Map<string, BatchRunner>();

  function runnerOf(b: BatchRecord): BatchRunner {
    let r = runners.get(b.id);
    if (r === undefined) {
      const paths = runPaths(workDir, b);
      r = createBatchRunner({
        batchId: b.id,
        inputPath: files.pathOf(b.input_file_id),
        outputPath: paths.output,
        errorPath: paths.error,
        seed: options.seed,
        faults: options.faults,
        failAll: b.fault.fail_all,
        counterFor: (e) => options.tokenizers.counterFor(e),
        now: () => clock.now(),
        upstream: options.upstream,
        endpoint: b.endpoint,
      });
      runners.set(b.id, r);
    }
    return r;
  }

  /** Ends the run of a batch: every request (or, expired or cancelled, those done) and its files. */
  async function writeResults(b: BatchRecord, unfinished?: 'expired' | 'cancelled'): Promise<void> {
    if (b.model !== null) await options.tokenizers.ensure(b.model);
    const runner = runnerOf(b);
    if (unfinished === undefined) {
      await runner.advance(b.total);
      await runner.drain();
    }
    const { outputLines, errorLines } = await runner.finish(
      unfinished,
      b.fault.no_unfinished_lines === true,
    );
    runners.delete(b.id);
    b.completed = runner.completed;
    b.failed = runner.failed;
    b.usage = runner.usage;
    await registerResults(files, b, runPaths(workDir, b), { outputLines, errorLines }, clock.now());
    b.results_written = true;
  }

  return {
    runnerOf,
    writeResults,
    /** The runner of a batch, if it has one now. */
    get: (id: string): BatchRunner | undefined => runners.get(id),
    /** Upstream requests under way, over every run. */
    activity: (): Promise<void>[] => [...runners.values()].flatMap((r) => r.activity() ?? []),
    async abortAll(): Promise<void> {
      for (const r of runners.values()) await r.abort();
      runners.clear();
    },
  };
}

export type BatchRuns = ReturnType<typeof createBatchRuns>;
