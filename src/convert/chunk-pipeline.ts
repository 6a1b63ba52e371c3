/**
 * The conversion's pipeline of read chunks: up to IN_FLIGHT chunks are encoded (and counted by
 * the helper thread) ahead of the one being placed; chunks are placed in input order, and an
 * input file is finished once the first chunk of the next one comes to be placed.
 */
import type { Logger } from '../log/logger.ts';
import type { Chunk, InputFile } from './chunk-encoder.ts';
import type { createChunkPlacement } from './chunk-placement.ts';
import type { ConvertOutput } from './convert-output.ts';
import type { InputFileSummary } from './convert-types.ts';
import { finishInputFile } from './input-files.ts';

/**
 * Read chunks encoded ahead of the one being placed: enough to keep both cores busy, few enough
 * that what is in flight dies young (cheap garbage collection).
 */
const IN_FLIGHT = 3;

export function createChunkPipeline(deps: {
  readonly placement: ReturnType<typeof createChunkPlacement>;
  /** Called with a placed chunk's sink (free for reuse). */
  readonly recycle: (sink: Chunk['sink']) => void;
  readonly output: ConvertOutput;
  readonly log: Logger;
}) {
  const queue: Chunk[] = [];
  /** Files whose report is open (finished ones are let go: memory per file stays small). */
  const openFiles = new Set<InputFile>();
  const inputs: InputFileSummary[] = [];
  let currentFile: InputFile | undefined;

  const finishFile = async (file: InputFile): Promise<void> => {
    openFiles.delete(file);
    inputs.push(await finishInputFile(file, deps.output, deps.log));
  };
  const place = async (chunk: Chunk): Promise<void> => {
    if (currentFile !== chunk.file) {
      if (currentFile !== undefined) await finishFile(currentFile);
      currentFile = chunk.file;
    }
    await deps.placement.place(chunk);
    deps.recycle(chunk.sink);
  };

  return {
    /** The input files finished, in order. */
    inputs,
    /** An input file about to be read. */
    opened(file: InputFile): void {
      openFiles.add(file);
    },
    /** Whether the last chunk queued is of `file`. */
    hasQueued(file: InputFile): boolean {
      return queue.length > 0 && queue[queue.length - 1]!.file === file;
    },
    /** Queues an encoded chunk; places the oldest ones beyond IN_FLIGHT. */
    async push(chunk: Chunk): Promise<void> {
      queue.push(chunk);
      while (queue.length > IN_FLIGHT) await place(queue.shift()!);
    },
    /** Places every queued chunk and finishes the last file. */
    async drain(): Promise<void> {
      while (queue.length > 0) await place(queue.shift()!);
      if (currentFile !== undefined) await finishFile(currentFile);
    },
    /** After a failure: the open files' reports are dropped. */
    async abort(): Promise<void> {
      for (const f of openFiles) await f.report.abort();
    },
  };
}
