/**
 * Near-duplicate detection measured on a labelled set of real code: pairs built by
 * bench/near-duplicate-set.py from this machine's Python standard library (renamed variables,
 * reformatted, comment-only changes; functions of the same name, neighbours, random pairs).
 * A pair is called a duplicate as conversion calls it (src/domain/code-fingerprint.ts): the
 * same tokens, or a shared LSH band and a signature similarity at or above the threshold.
 *
 *   node bench/near-duplicates.ts [--pairs 500] [--min-lines 4]
 *
 * The set is kept in bench/.corpus/ (git-ignored); prints precision and recall per threshold
 * and the recall and false-positive rate per kind of pair.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BANDS, bandKeys, fingerprintCode, similarity } from '../src/domain/code-fingerprint.ts';
import { minSharedBands } from '../src/storage/duplicate-kept.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '500' },
    'min-lines': { type: 'string', default: '4' },
  },
});
const dir = join(import.meta.dirname, '.corpus');
mkdirSync(dir, { recursive: true });
const out = join(dir, `near-duplicates-${values.pairs}-${values['min-lines']}.jsonl`);
const stdlib = execFileSync('python3', [
  '-c',
  "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
])
  .toString()
  .trim();
console.log(`Building the labelled set from ${stdlib}...`);
execFileSync('python3', [
  join(import.meta.dirname, 'near-duplicate-set.py'),
  stdlib,
  out,
  values.pairs,
  values['min-lines'],
]);

interface Pair {
  kind: string;
  label: boolean;
  file_a: string;
  code_a: string;
  file_b: string;
  code_b: string;
}
const pairs = readFileSync(out, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Pair);

/**
 * The similarity conversion sees, and the LSH bands the two share: 1 (all bands) for the same
 * tokens, undefined when they share none.
 */
function judged(p: Pair): { s: number; shared: number } | undefined {
  const a = fingerprintCode(p.code_a, p.file_a);
  const b = fingerprintCode(p.code_b, p.file_b);
  if (a.exact === b.exact) return { s: 1, shared: BANDS };
  if (a.signature === undefined || b.signature === undefined) return undefined;
  const ka = new Set(bandKeys(a.signature));
  const shared = [...bandKeys(b.signature)].filter((k) => ka.has(k)).length;
  if (shared === 0) return undefined;
  return { s: similarity(a.signature, b.signature), shared };
}
const scored = pairs.map((p) => ({ p, j: judged(p) }));
/** Called a duplicate at threshold t, as the store decides. */
const said = (j: { s: number; shared: number } | undefined, t: number): boolean =>
  j !== undefined && j.s >= t && j.shared >= minSharedBands(t);
const kinds = [...new Set(pairs.map((p) => p.kind))];
console.log(
  `${pairs.length} pairs: ` +
    kinds.map((k) => `${pairs.filter((p) => p.kind === k).length} ${k}`).join(', '),
);
console.log('\nthreshold | precision | recall | F1    | true pos | false pos | false neg');
for (const t of [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const { p, j } of scored) {
    const yes = said(j, t);
    if (yes && p.label) tp++;
    else if (yes) fp++;
    else if (p.label) fn++;
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  const f1 = (2 * precision * recall) / (precision + recall);
  console.log(
    `${t.toFixed(2).padEnd(9)} | ${precision.toFixed(3).padEnd(9)} | ${recall.toFixed(3).padEnd(6)} | ` +
      `${f1.toFixed(3)} | ${String(tp).padEnd(8)} | ${String(fp).padEnd(9)} | ${fn}`,
  );
}
for (const t of [0.7, 0.8]) {
  console.log(`\nat threshold ${t}, the share of pairs called duplicates, per kind:`);
  for (const k of kinds) {
    const of = scored.filter(({ p }) => p.kind === k);
    const n = of.filter(({ j }) => said(j, t)).length;
    const label = of[0]!.p.label ? 'positive' : 'negative';
    console.log(`  ${k.padEnd(12)} (${label}): ${n}/${of.length}`);
  }
}
