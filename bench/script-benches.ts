/**
 * The benchmarks that are scripts of their own (bench/ended-batch.ts, bench/line-readers.ts),
 * run by `npm run bench` as child processes (`--only ended-batch`, `--only line-readers`): each
 * prints one JSON line of figures, read here, with the child's CPU time and peak RSS.
 */
import { join } from 'node:path';
import { runChild, type ChildRun } from './child.ts';

export interface EndedBatchBench {
  readonly requests: number;
  readonly inputMb: number;
  readonly resultsMb: number;
  readonly fates: number;
  readonly outcome: { usable: number; retry: number; final: number };
  readonly retryFile: boolean;
  /** The peak of the heap and the array buffers above the baseline, sampled at each ledger write. */
  readonly peakHeapAndBuffersMb: number;
  readonly run: ChildRun;
}

/** The last line of a child's output, as JSON. */
function lastJson(run: ChildRun): unknown {
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as unknown;
}

/** One ended batch handled as the poll tick does (bench/ended-batch.ts), in its own process. */
export async function benchEndedBatch(root: string, requests = 50_000): Promise<EndedBatchBench> {
  const run = await runChild(
    ['--expose-gc', join(root, 'bench', 'ended-batch.ts'), '--requests', String(requests)],
    { cwd: root },
  );
  const r = lastJson(run) as {
    requests: number;
    input_mb: number;
    results_mb: number;
    fates: number;
    outcome: EndedBatchBench['outcome'];
    retry_file: boolean;
    peak_heap_and_buffers_mb: number;
  };
  return {
    requests: r.requests,
    inputMb: r.input_mb,
    resultsMb: r.results_mb,
    fates: r.fates,
    outcome: r.outcome,
    retryFile: r.retry_file,
    peakHeapAndBuffersMb: r.peak_heap_and_buffers_mb,
    run,
  };
}

export interface LineReadersBench {
  readonly lines: number;
  readonly mb: number;
  readonly runs: number;
  readonly cases: readonly { name: string; seconds: number; mbPerS: number }[];
}

/** The two line readers side by side (bench/line-readers.ts), in their own process. */
export async function benchLineReaders(
  root: string,
  mb = 200,
  runs = 3,
): Promise<LineReadersBench> {
  const run = await runChild(
    [join(root, 'bench', 'line-readers.ts'), '--mb', String(mb), '--runs', String(runs), '--json'],
    { cwd: root },
  );
  return lastJson(run) as LineReadersBench;
}
