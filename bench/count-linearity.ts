/**
 * Counting time against text size for the texts that used to grow quadratically: one slice
 * whose code is a single run of letters (one pre-split chunk), and ordinary code lines. Measured
 * here, in this process, with the project's counter.
 */
import { createTokenCounter } from '../src/domain/token-counter.ts';

export interface LinearityRow {
  readonly kb: number;
  readonly runMs: number;
  readonly codeMs: number;
}

function time(f: () => void): number {
  const started = performance.now();
  f();
  return performance.now() - started;
}

export async function benchCountLinearity(sizesKb: readonly number[]): Promise<LinearityRow[]> {
  const counter = await createTokenCounter('o200k_base');
  const rows: LinearityRow[] = [];
  for (const kb of sizesKb) {
    const n = kb * 1024;
    let run = '';
    for (let i = 0; run.length < n; i++) run += 'QUJDRUZH'[(i * 7919) % 8];
    let code = '';
    for (let i = 0; code.length < n; i++) code += `    value_${i} = compute(event["k${i % 97}"])\n`;
    rows.push({
      kb,
      runMs: time(() => counter.count(`blob = "${run}"`)),
      codeMs: time(() => counter.count(code)),
    });
  }
  return rows;
}
