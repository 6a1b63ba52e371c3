/**
 * The layout check (run by `npm run lint`): the import graph of src/ has no cycles, and no
 * module imports what its layer may not (docs/architecture.md, "Layout"):
 *
 * - shared (domain, clock, errors, format, log, storage, lifecycle, config, jobs, openai,
 *   providers, anthropic):
 *   imports only shared;
 * - stages (intake, convert, submit, poll, compile, status): shared and themselves, never
 *   another stage;
 * - the emulator (a stand-in for the provider): shared and itself;
 * - the review page (a view over every stage, served by the daemon and `slicebatch ui`):
 *   anything but the cli;
 * - composition (daemon, then cli): anything below it.
 *
 * Only src/openai/ (and the emulator's upstream client, on the provider's side) imports the
 * `openai` SDK, and only src/anthropic/ the `@anthropic-ai/sdk`. `--stats` also prints the longest functions and the files over 300 lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** `--src DIR` and `--known FILE` check another tree (the test of this check). */
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const src = resolve(arg('--src') ?? join(root, 'src'));
const base = dirname(src);

const SHARED = [
  'domain',
  'clock.ts',
  'errors.ts',
  'format.ts',
  'log',
  'storage',
  'lifecycle',
  'config',
  'jobs',
  'openai',
  'providers',
  'anthropic',
];
const STAGES = ['intake', 'convert', 'submit', 'poll', 'compile', 'status'];
const LAYERS: Record<string, { rank: number; mayImport: (from: string, to: string) => boolean }> = {
  shared: { rank: 0, mayImport: (_f, to) => layerOf(to) === 'shared' },
  stage: {
    rank: 1,
    mayImport: (from, to) => layerOf(to) === 'shared' || unitOf(to) === unitOf(from),
  },
  emulator: { rank: 1, mayImport: (_f, to) => ['shared', 'emulator'].includes(layerOf(to)) },
  review: { rank: 2, mayImport: (_f, to) => layerOf(to) !== 'cli' },
  daemon: { rank: 2, mayImport: (_f, to) => layerOf(to) !== 'cli' },
  cli: { rank: 3, mayImport: () => true },
};
const SDK_ALLOWED = ['openai/', 'emulator/upstream.ts'];
/**
 * Imports across stages that are known and not undone yet (scripts/layout-known.txt, one
 * `from → to` a line): they pass, a new one fails. Undoing one means deleting its line.
 */
const KNOWN = new Set(
  readFileSync(arg('--known') ?? join(root, 'scripts', 'layout-known.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#')),
);

/** The top folder (or file) of a module under src/. */
function unitOf(file: string): string {
  return relative(src, file).split('/')[0]!;
}

function layerOf(file: string): string {
  const unit = unitOf(file);
  if (SHARED.includes(unit)) return 'shared';
  if (STAGES.includes(unit)) return 'stage';
  if (unit === 'emulator' || unit === 'review' || unit === 'daemon' || unit === 'cli') return unit;
  throw new Error(`${relative(base, file)}: src/${unit} is in no layer (scripts/check-layout.ts)`);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

const files = sourceFiles(src);
const graph = new Map<string, string[]>();
const found = new Set<string>();
const problems: string[] = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const imports = ts.preProcessFile(text, true, true).importedFiles.map((i) => i.fileName);
  const local: string[] = [];
  for (const spec of imports) {
    const at = relative(base, file);
    if (spec === 'openai' || spec.startsWith('openai/')) {
      if (!SDK_ALLOWED.some((p) => relative(src, file).startsWith(p)))
        problems.push(`${at}: imports the openai SDK (only src/openai/ may)`);
    }
    if (spec === '@anthropic-ai/sdk' || spec.startsWith('@anthropic-ai/sdk/')) {
      if (!relative(src, file).startsWith('anthropic/'))
        problems.push(`${at}: imports the @anthropic-ai/sdk SDK (only src/anthropic/ may)`);
    }
    if (!spec.startsWith('.')) continue;
    const to = resolve(dirname(file), spec);
    local.push(to);
    const edge = `${at} → ${relative(base, to)}`;
    if (!LAYERS[layerOf(file)]!.mayImport(file, to) && !found.has(edge)) {
      found.add(edge);
      if (!KNOWN.has(edge)) {
        problems.push(`${edge} (${layerOf(file)} ${unitOf(file)} → ${layerOf(to)} ${unitOf(to)})`);
      }
    }
  }
  graph.set(file, local);
}

// Cycles: depth-first search, each cycle reported once by its members.
const state = new Map<string, 'open' | 'done'>();
const seenCycles = new Set<string>();
const visit = (file: string, path: string[]): void => {
  state.set(file, 'open');
  for (const to of graph.get(file) ?? []) {
    if (state.get(to) === 'open') {
      const cycle = [...path.slice(path.indexOf(to)), to].map((f) => relative(src, f));
      const key = [...new Set(cycle)].sort().join(' ');
      if (!seenCycles.has(key)) {
        seenCycles.add(key);
        problems.push(`import cycle: ${cycle.join(' → ')}`);
      }
    } else if (!state.has(to)) visit(to, [...path, to]);
  }
  state.set(file, 'done');
};
for (const file of files) if (!state.has(file)) visit(file, [file]);

const stale = [...KNOWN].filter((edge) => !found.has(edge));
if (stale.length > 0) {
  console.log(
    `layout: no longer imported, delete from scripts/layout-known.txt:\n  ${stale.join('\n  ')}`,
  );
}

if (process.argv.includes('--stats')) {
  const lengths: { name: string; lines: number }[] = [];
  const big: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const lineCount = text.split('\n').length - 1;
    if (lineCount > 300) big.push(`${relative(base, file)} (${lineCount})`);
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const walk = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
        const a = sf.getLineAndCharacterOfPosition(node.getStart()).line;
        const b = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const named = node.name?.getText(sf);
        const owner =
          named ??
          (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent)
            ? node.parent.name.getText(sf)
            : '(anonymous)');
        lengths.push({ name: `${relative(base, file)}:${a + 1} ${owner}`, lines: b - a + 1 });
      }
      ts.forEachChild(node, walk);
    };
    walk(sf);
  }
  lengths.sort((x, y) => y.lines - x.lines);
  const over60 = lengths.filter((l) => l.lines > 60).length;
  console.log(`functions over 60 lines: ${over60}; the longest:`);
  for (const l of lengths.slice(0, 8)) console.log(`  ${l.lines} ${l.name}`);
  console.log(`files over 300 lines: ${big.length}\n  ${big.join('\n  ')}`);
  console.log(`imports across layers or stages: ${found.size} (${KNOWN.size} known)`);
}

if (problems.length > 0) {
  console.error(`layout: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `layout: ${files.length} modules, no cycles, no new import across layers or stages (${found.size} known ones left, scripts/layout-known.txt)`,
);
