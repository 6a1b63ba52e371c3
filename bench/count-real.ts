/**
 * Counting alone on real code: the code and docstrings of the first slices of the real corpus,
 * counted with the project's counter (o200k), in thread CPU time so that other load on the
 * machine counts as little as it can: a first pass with a new counter (every distinct chunk a
 * cache miss once), then the best of 3 passes with the cache warm, beside the split expression
 * alone (the floor of this way of counting).
 */
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { createTokenCounter } from '../src/domain/token-counter.ts';
import { slicesText } from './split-compare.ts';

export interface CountRow {
  readonly mb: number;
  readonly texts: number;
  readonly tokens: number;
  readonly firstPassMbPerS: number;
  readonly warmMbPerS: number;
  readonly splitOnlyMbPerS: number;
}

/** The CPU time of this thread running `f` (other load on the machine counts as little as it can). */
export function threadCpuSeconds(f: () => void): number {
  const started = process.threadCpuUsage();
  f();
  const used = process.threadCpuUsage(started);
  return (used.user + used.system) / 1e6;
}

export async function benchCountReal(file: string, maxBytes: number): Promise<CountRow> {
  const texts = (await slicesText(file, maxBytes)).filter((t) => t !== '');
  const mb = texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6;
  const counter = await createTokenCounter('o200k_base');
  let tokens = 0;
  const first = threadCpuSeconds(() => {
    for (const t of texts) tokens += counter.count(t);
  });
  let warm = Infinity;
  let split = Infinity;
  const re = new RegExp(O200K_TOKEN_SPLIT_REGEX.source, O200K_TOKEN_SPLIT_REGEX.flags);
  for (let round = 0; round < 3; round++) {
    let again = 0;
    warm = Math.min(
      warm,
      threadCpuSeconds(() => {
        for (const t of texts) again += counter.count(t);
      }),
    );
    if (again !== tokens) throw new Error(`counts differ between passes: ${again} ${tokens}`);
    split = Math.min(
      split,
      threadCpuSeconds(() => {
        for (const t of texts) {
          re.lastIndex = 0;
          while (re.test(t));
        }
      }),
    );
  }
  return {
    mb,
    texts: texts.length,
    tokens,
    firstPassMbPerS: mb / first,
    warmMbPerS: mb / warm,
    splitOnlyMbPerS: mb / split,
  };
}
