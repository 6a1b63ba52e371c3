/**
 * The rejects report of one reviewed-slice file, read alongside the file: `process` writes its
 * entries in line order, so the report is streamed and merged by line number (memory: the
 * entries of one read chunk).
 */
import { readLineBatches, type RawLine } from '../storage/jsonl-lines.ts';
import type { RejectEntry } from '../domain/rejects-entry.ts';

export interface RejectsCursor {
  /** Reads ahead until every entry up to `lineNo` is loaded. */
  loadUpTo(lineNo: number): Promise<void>;
  /**
   * The entry of line `lineNo`, if any. Entries of lines not read (a report older than an edit
   * of the file) are passed over: they describe lines that are not there any more.
   */
  take(lineNo: number): RejectEntry | undefined;
}

function parseEntry(text: string): RejectEntry | undefined {
  try {
    const e = JSON.parse(text) as Partial<RejectEntry>;
    return typeof e.line === 'number' && typeof e.reason === 'string'
      ? (e as RejectEntry)
      : undefined;
  } catch {
    return undefined;
  }
}

export function openRejectsCursor(path: string): RejectsCursor {
  let lines: AsyncGenerator<RawLine[]> | undefined;
  let ended = false;
  const queue: RejectEntry[] = [];
  let head = 0;

  const readMore = async (): Promise<boolean> => {
    if (ended) return false;
    lines ??= readLineBatches(path);
    let next;
    try {
      next = await lines.next();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      ended = true;
      return false;
    }
    if (next.done === true) {
      ended = true;
      return false;
    }
    if (head > 0) {
      queue.splice(0, head);
      head = 0;
    }
    for (const raw of next.value) {
      if (raw.kind !== 'text') continue;
      const entry = parseEntry(raw.text);
      if (entry !== undefined) queue.push(entry);
    }
    return true;
  };

  return {
    async loadUpTo(lineNo) {
      while (
        (queue.length === head || queue[queue.length - 1]!.line <= lineNo) &&
        (await readMore())
      );
    },
    take(lineNo) {
      while (head < queue.length && queue[head]!.line < lineNo) head++;
      if (head < queue.length && queue[head]!.line === lineNo) return queue[head++];
      return undefined;
    },
  };
}
