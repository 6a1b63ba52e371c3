/**
 * Writing a split file: the records of one side, in their seeded order, each read back by
 * offset from the processed file it was written to (no record is held in memory), with a
 * suffix per record (the chat format's, see record-format.ts). Writes overlap reading; the
 * event loop gets a turn at every write.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { AtomicStreamFile } from '../storage/atomic-stream-file.ts';
import type { SplitRecords, SplitSide } from './dataset-split.ts';
import { PositionalReader } from './positional-reader.ts';

/** Bytes copied between two writes. */
const FLUSH_BYTES = 4 * 1024 * 1024;

export async function copySplit(options: {
  readonly split: SplitRecords;
  readonly side: SplitSide;
  /** The processed files, by the file numbers of the split records. */
  readonly sources: readonly string[];
  readonly suffix: string;
  readonly out: AtomicStreamFile;
  readonly signal?: AbortSignal | undefined;
}): Promise<void> {
  const { split, out } = options;
  // Exact reads (random access: reading ahead would be wasted), every source open at once.
  const reader = new PositionalReader(options.sources.length + 1, 0);
  const suffix = Buffer.from(options.suffix);
  try {
    const order = split.ordered(options.side);
    for (let i = 0; i < order.length; i++) {
      const r = split.at(order.index(i));
      out.appendBytes(reader.read(options.sources[r.file]!, r.offset, r.length));
      if (suffix.length > 0) out.appendBytes(suffix);
      if (out.pendingBytes >= FLUSH_BYTES) {
        options.signal?.throwIfAborted();
        await out.flush();
        await yieldToLoop();
      }
    }
  } finally {
    reader.close();
  }
}
