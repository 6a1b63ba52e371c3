/**
 * The duplicate store alone on a file of real slices: every slice fingerprinted first (not
 * timed), then looked up and, when not a duplicate, kept, in order, as a conversion does
 * (progress told every 1,000 slices, a commit every 20,000), in one process; prints the CPU
 * and wall time of that second part, the duplicates found and the store's stats. To compare
 * two versions of the store, run it alternately in each checkout:
 *
 *   node bench/duplicate-store-run.ts [--growths] [--repos N] [bench/.corpus/real-271mb/x1/2.reviewed_slices/repo_stdlib_0/code_slices.jsonl] [max slices]
 *
 * With `--repos N`, the file's slices are met N times, as N repo folders holding the same file
 * (as `bench/.corpus/real-271mb/x4` does): the later ones are all duplicates of the first.
 *
 * With `--growths`, also the CPU time of the keeps that made the tables again as they filled
 * (`growthCpuSeconds`): each keep is timed then, which adds to `cpuSeconds`.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  PACKED_WORDS,
  packFingerprints,
  unpackFingerprint,
} from '../src/domain/code-fingerprint.ts';
import { openDuplicateStore } from '../src/storage/duplicate-store.ts';

const args = process.argv.slice(2);
const timeGrowths = args[0] === '--growths';
if (timeGrowths) args.shift();
let repos = 1;
if (args[0] === '--repos') {
  repos = Number(args[1]);
  args.splice(0, 2);
}
const file =
  args[0] ??
  join(
    import.meta.dirname,
    '.corpus/real-271mb/x1/2.reviewed_slices/repo_stdlib_0/code_slices.jsonl',
  );
const max = Number(args[1] ?? Infinity);
const ids: string[] = [];
const codes: string[] = [];
for await (const line of createInterface({ input: createReadStream(file) })) {
  if (line === '') continue;
  const s = JSON.parse(line) as { id: string; code_snippet: string };
  ids.push(String(s.id));
  codes.push(s.code_snippet);
  if (ids.length >= max) break;
}
const packed = packFingerprints(codes, new Uint8Array(codes.length).fill(1));
codes.length = 0;
const dir = await mkdtemp(join(tmpdir(), 'slicebatch-dedup-run-'));
try {
  const store = await openDuplicateStore(join(dir, 'duplicates.sqlite'), { nearThreshold: 0.8 });
  const at = new Date(0);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let duplicates = 0;
  const growthCpu: NodeJS.CpuUsage[] = [];
  const total = repos * ids.length;
  for (let n = 0; n < total; n++) {
    const i = n % ids.length;
    const repo = `r${Math.floor(n / ids.length)}`;
    const fp = unpackFingerprint(packed, i * PACKED_WORDS);
    const slice = { repo, id: ids[i]!, file: 'f', line: i + 1 };
    const match = store.find(repo, slice.id, fp);
    if (match === undefined && timeGrowths) {
      const rebuilds = store.stats.rebuilds;
      const before = process.cpuUsage();
      store.keep(slice, fp, at);
      if (store.stats.rebuilds !== rebuilds) growthCpu.push(process.cpuUsage(before));
    } else if (match === undefined) {
      store.keep(slice, fp, at);
    } else {
      duplicates++;
      const entry = { ...slice, scenario: 'scenario1', model: 'm', promptTokens: 1, match };
      store.notSent(entry, at);
    }
    if (n % 1000 === 0) store.progress(n / total);
    if (n % 20_000 === 19_999) store.commit();
  }
  store.commit();
  const used = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      slices: total,
      duplicates,
      cpuSeconds: (used.user + used.system) / 1e6,
      wallSeconds: (performance.now() - wall0) / 1000,
      ...store.stats,
      ...(timeGrowths
        ? { growthCpuSeconds: growthCpu.reduce((t, u) => t + u.user + u.system, 0) / 1e6 }
        : {}),
    }),
  );
  store.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
