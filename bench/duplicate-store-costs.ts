/**
 * Where the CPU time of catching duplicates goes, per slice: the fingerprint, the store's
 * lookup and keeping a slice, through the store's own functions in one process (no conversion
 * around them), with `process.cpuUsage()`. Run after `npm run bench -- --only dedup --real-mb 20`
 * has built the corpus:
 *
 *   node bench/duplicate-store-costs.ts [bench/.corpus/real-20mb/x1/2.reviewed_slices/repo_stdlib_0/code_slices.jsonl]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BANDS, bandKeys, fingerprintCode } from '../src/domain/code-fingerprint.ts';
import { openDuplicateStore } from '../src/storage/duplicate-store.ts';

const file =
  process.argv[2] ??
  join(
    import.meta.dirname,
    '.corpus/real-20mb/x1/2.reviewed_slices/repo_stdlib_0/code_slices.jsonl',
  );
const slices = (await readFile(file, 'utf8'))
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { id: string; code_snippet: string; file_path: string });
const dir = await mkdtemp(join(tmpdir(), 'slicebatch-dedup-costs-'));
const cpu = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
try {
  const store = await openDuplicateStore(join(dir, 'duplicates.sqlite'), { nearThreshold: 0.8 });
  let t = cpu();
  const fps = slices.map((s) => fingerprintCode(s.code_snippet, s.file_path));
  const fingerprint = cpu() - t;
  let find = 0;
  let keep = 0;
  let duplicates = 0;
  // The band keys of the slices kept (in memory: the bench's own count, not the store's).
  const keptKeys = new Set<number>();
  let signed = 0;
  let sharedKeys = 0;
  let queried = 0;
  const at = new Date();
  for (let i = 0; i < slices.length; i++) {
    const sig = fps[i]!.signature;
    const keys = sig === undefined ? [] : [...bandKeys(sig)];
    if (sig !== undefined) {
      const shared = keys.filter((k) => keptKeys.has(k)).length;
      signed++;
      sharedKeys += shared;
      if (shared >= 1) queried++;
    }
    t = cpu();
    const match = store.find('r', slices[i]!.id, fps[i]!);
    find += cpu() - t;
    if (match !== undefined) {
      duplicates++;
      continue;
    }
    t = cpu();
    store.keep({ repo: 'r', id: slices[i]!.id, file: 'f', line: i + 1 }, fps[i]!, at);
    keep += cpu() - t;
    for (const k of keys) keptKeys.add(k);
  }
  t = cpu();
  store.commit();
  store.confirm();
  const stats = { ...store.stats };
  store.close();
  const close = cpu() - t;
  const per = (us: number): string => `${(us / slices.length).toFixed(1)} µs`;
  console.log(`${slices.length} slices, ${duplicates} duplicates; CPU time per slice:`);
  console.log(`  fingerprint ${per(fingerprint)}, lookup ${per(find)}, keep ${per(keep)}`);
  console.log(
    `  ${signed} slices with a signature share ${(sharedKeys / signed).toFixed(1)} of their ` +
      `${BANDS} band keys with slices kept on average; ` +
      `${((100 * queried) / signed).toFixed(0)} % share at least 1 (their candidates are read)`,
  );
  console.log(
    `  ${stats.reads} kept slices read to verify candidates (${(stats.reads / slices.length).toFixed(2)} a slice)`,
  );
  console.log(`  commit and close ${(close / 1000).toFixed(0)} ms in all`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
