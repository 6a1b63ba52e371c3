/**
 * Where each input file (reviewed-slice file) stands, counted from the facts (pure): `slices`
 * converted into requests (first attempts only: retries are the same slices again; a copy of a
 * batch input file counted once), `rejected` lines, `sent`, `results` (usable), `failed`
 * (final), `pending` (sent, no end yet), `unsent`; their totals; the cost of the batch input
 * files not submitted yet; and the files that wait for a person.
 */
import type { InputStanding, StatusFacts, StatusReport } from './status-types.ts';

export type Counts = { -readonly [K in keyof Omit<InputStanding, 'file' | 'repo'>]: number };
export const zero = (): Counts => ({
  slices: 0,
  rejected: 0,
  sent: 0,
  results: 0,
  failed: 0,
  pending: 0,
  unsent: 0,
});
const UNKNOWN = '(source not recorded)';

export interface InputCounts {
  readonly inputs: InputStanding[];
  readonly totals: Omit<StatusReport['totals'], 'batches'>;
  readonly unsubmittedCost: number;
  /** Batch input files not submitted that need a person. */
  readonly attention: { kind: string; message: string }[];
}

export function inputStandings(facts: StatusFacts): InputCounts {
  const per = new Map<string, Counts & { repo: string }>();
  const at = (file: string, repo: string) => {
    let c = per.get(file);
    if (c === undefined) per.set(file, (c = { ...zero(), repo }));
    return c;
  };
  for (const f of facts.inbox) at(f.file, f.repo);
  const { unsubmittedCost, attention } = countBatchInputs(facts, at);
  for (const [file, n] of facts.rejected) at(file, '').rejected += n;
  for (const [file, f] of facts.fates) {
    const c = at(file, '');
    c.results += f.usable;
    c.failed += f.final;
  }
  const totals = { ...zero(), input_files: 0 };
  const inputs: InputStanding[] = [];
  for (const [file, c] of [...per].sort(([a], [b]) => (a < b ? -1 : 1))) {
    c.pending = Math.max(0, c.sent - c.results - c.failed);
    c.unsent = Math.max(0, c.slices - c.sent);
    const repo = c.repo || (/^[^/]+\/(.+)\/[^/]+$/.exec(file)?.[1] ?? '');
    const { repo: _r, ...counts } = c;
    inputs.push({ file, repo, ...counts });
    totals.input_files++;
    for (const k of Object.keys(zero()) as (keyof Counts)[]) totals[k] += c[k];
  }
  return { inputs, totals, unsubmittedCost, attention };
}

/** The batch input files' requests, counted on the input files they came from. */
function countBatchInputs(
  facts: StatusFacts,
  at: (file: string, repo: string) => Counts,
): { unsubmittedCost: number; attention: { kind: string; message: string }[] } {
  const attention: { kind: string; message: string }[] = [];
  let unsubmittedCost = 0;
  const seenContent = new Set<string>();
  for (const { file, state, estimatedCostUsd } of facts.batchInputs) {
    // A copy (same content) is submitted once, and counted once.
    if (seenContent.has(file.manifest.sha256)) continue;
    seenContent.add(file.manifest.sha256);
    const sent = state.kind !== 'not_submitted';
    if (!sent) unsubmittedCost += estimatedCostUsd;
    if (state.kind === 'not_submitted' && state.needsPerson) {
      attention.push({ kind: 'not_submitted', message: state.reason });
    }
    if (file.manifest.attempt !== 1) continue; // retries: the same slices again
    const runs = file.manifest.source_lines ?? [
      {
        source: file.manifest.sources.length === 1 ? file.manifest.sources[0]! : UNKNOWN,
        first_line: 1,
        lines: file.manifest.requests,
      },
    ];
    for (const run of runs) {
      const c = at(run.source, file.repo);
      c.slices += run.lines;
      if (sent) c.sent += run.lines;
    }
  }
  return { unsubmittedCost, attention };
}
