/**
 * The pre-split, two ways, on the texts of real slices: V8's compiled split expression (what the
 * counter uses) and the hand-written ASCII splitter (bench/ascii-splitter.ts). Every chunk
 * boundary is checked equal first; then each is timed in CPU time (process.cpuUsage), so that
 * other load on the machine does not count.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  CL100K_TOKEN_SPLIT_REGEX,
  O200K_TOKEN_SPLIT_REGEX,
} from 'gpt-tokenizer/encodingParams/constants';
import { createTokenSplitter } from './ascii-splitter.ts';

export interface SplitRow {
  readonly encoding: string;
  readonly mb: number;
  readonly texts: number;
  readonly mismatches: number;
  readonly expressionMbPerS: number;
  readonly handMbPerS: number;
}

export async function slicesText(file: string, maxBytes: number): Promise<string[]> {
  const texts: string[] = [];
  let bytes = 0;
  const lines = createInterface({ input: createReadStream(file) });
  for await (const line of lines) {
    const s = JSON.parse(line) as { code_snippet: string; context?: { docstring?: string } };
    texts.push(s.code_snippet, s.context?.docstring ?? '');
    bytes += line.length;
    if (bytes >= maxBytes) break;
  }
  lines.close();
  return texts;
}

function cpuSeconds(f: () => void): number {
  const started = process.cpuUsage();
  f();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e6;
}

export async function benchSplit(file: string, maxBytes: number): Promise<SplitRow[]> {
  const texts = await slicesText(file, maxBytes);
  const mb = texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6;
  const rows: SplitRow[] = [];
  for (const [encoding, re] of [
    ['o200k_base', O200K_TOKEN_SPLIT_REGEX],
    ['cl100k_base', CL100K_TOKEN_SPLIT_REGEX],
  ] as const) {
    const expression = new RegExp(re.source, re.flags);
    const hand = createTokenSplitter(encoding, re);
    let mismatches = 0;
    for (const t of texts) {
      const n = hand.split(t);
      let i = 0;
      expression.lastIndex = 0;
      let same = true;
      while (expression.test(t)) if (hand.ends[i++] !== expression.lastIndex) same = false;
      if (!same || i !== n) mismatches++;
    }
    let best = [Infinity, Infinity];
    for (let round = 0; round < 3; round++) {
      const e = cpuSeconds(() => {
        for (const t of texts) {
          expression.lastIndex = 0;
          while (expression.test(t));
        }
      });
      const h = cpuSeconds(() => {
        for (const t of texts) hand.split(t);
      });
      best = [Math.min(best[0]!, e), Math.min(best[1]!, h)];
    }
    rows.push({
      encoding,
      mb,
      texts: texts.length,
      mismatches,
      expressionMbPerS: mb / best[0]!,
      handMbPerS: mb / best[1]!,
    });
  }
  return rows;
}
