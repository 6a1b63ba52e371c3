/**
 * The requests of a batch input file that passed validation, one at a time (custom_id and
 * body), read as a stream: memory holds one batch of lines, not the file.
 */
import { readLineBatches, type RawLine } from '../storage/jsonl-lines.ts';
import { inFinishOrder } from './finish-order.ts';
import type { ChatBody } from './responder.ts';

export interface ParsedLine {
  readonly customId: string;
  readonly body: ChatBody;
}

export function openRequestLines(inputPath: string) {
  const lines = readLineBatches(inputPath)[Symbol.asyncIterator]();
  let pending: RawLine[] = [];
  let exhausted = false;
  return {
    /** Every line was read. */
    get exhausted(): boolean {
      return exhausted;
    },
    /** The next request, or undefined at the end. */
    async next(): Promise<ParsedLine | undefined> {
      for (;;) {
        if (pending.length === 0) {
          if (exhausted) return undefined;
          const next = await lines.next();
          if (next.done) {
            exhausted = true;
            return undefined;
          }
          pending = next.value;
        }
        const raw = pending.shift()!;
        // The file was validated: every line is a request.
        if (raw.kind !== 'text') continue;
        const v = JSON.parse(raw.text) as { custom_id: string; body: ChatBody };
        return { customId: v.custom_id, body: v.body };
      }
    },
    async close(): Promise<void> {
      await lines.return?.(undefined);
    },
  };
}

export type RequestLines = ReturnType<typeof openRequestLines>;

/**
 * The same requests in the order they finish (finish-order.ts), not the input's; `exhausted`
 * once the last of them was handed out.
 */
export function openRequestLinesInFinishOrder(inputPath: string, seed: number): RequestLines {
  const lines = openRequestLines(inputPath);
  const next = inFinishOrder(
    () => lines.next(),
    seed,
    (line) => line.customId,
  );
  let ended = false;
  return {
    get exhausted(): boolean {
      return ended;
    },
    async next(): Promise<ParsedLine | undefined> {
      const line = await next();
      if (line === undefined) ended = true;
      return line;
    },
    close: () => lines.close(),
  };
}
