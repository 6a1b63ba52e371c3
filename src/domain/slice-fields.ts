/**
 * The values a slice gives to prompt placeholders, per scenario. Pure functions.
 */
import { hash } from 'node:crypto';
import type { ClassSlice, FunctionSlice } from './slice-schema.ts';

export interface Requirement {
  readonly title: string;
  readonly description: string;
  readonly constraints: readonly string[];
}

export const SCENARIO1_PLACEHOLDERS = [
  'repository',
  'file_path',
  'name',
  'complexity',
  'language',
  'code',
  'focus',
  'docstring',
  'parameters',
  'returns',
  'decorators',
  'start_line',
  'end_line',
] as const;

export const SCENARIO2_PLACEHOLDERS = [
  'repository',
  'file_path',
  'name',
  'complexity',
  'language',
  'code',
  'skeleton',
  'docstring',
  'base_classes',
  'methods',
  'decorators',
  'start_line',
  'end_line',
  'requirement_title',
  'requirement_description',
  'requirement_constraints',
] as const;

const LANGUAGES: Record<string, string> = {
  py: 'python',
  pyi: 'python',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'jsx',
  ts: 'typescript',
  tsx: 'tsx',
  java: 'java',
  kt: 'kotlin',
  go: 'go',
  rs: 'rust',
  rb: 'ruby',
  php: 'php',
  cs: 'csharp',
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  hpp: 'cpp',
  swift: 'swift',
  scala: 'scala',
};

/** Paths use `/`, whatever the slicer's platform was. */
export function displayPath(filePath: string): string {
  return filePath.replaceAll('\\', '/');
}

export function languageOf(filePath: string): string {
  const dot = filePath.lastIndexOf('.');
  if (dot === -1) return '';
  return LANGUAGES[filePath.slice(dot + 1).toLowerCase()] ?? '';
}

function methodNames(slice: ClassSlice): string[] {
  return (slice.context?.methods ?? []).map((m) => (typeof m === 'string' ? m : m.name));
}

function indentDocstring(doc: string, indent: string): string {
  const lines = doc.trim().split(/\r?\n/);
  if (lines.length === 1) return `${indent}"""${lines[0]}"""`;
  return [
    `${indent}"""${lines[0]}`,
    ...lines.slice(1).map((l) => (l ? indent + l : l)),
    `${indent}"""`,
  ].join('\n');
}

/**
 * The outline of a class without method bodies: Python syntax for Python files, a neutral
 * outline otherwise (the slicer gives names, not signatures).
 */
export function classSkeleton(slice: ClassSlice): string {
  const ctx = slice.context;
  const bases = ctx?.base_classes ?? [];
  const methods = methodNames(slice);
  const doc = ctx?.docstring?.trim();
  if (languageOf(slice.file_path) === 'python') {
    const lines: string[] = [];
    for (const d of ctx?.decorators ?? []) lines.push(d.startsWith('@') ? d : `@${d}`);
    lines.push(`class ${slice.name}${bases.length > 0 ? `(${bases.join(', ')})` : ''}:`);
    if (doc) lines.push(indentDocstring(doc, '    '));
    if (methods.length === 0 && !doc) lines.push('    ...');
    for (const m of methods) lines.push('', `    def ${m}(self, ...): ...`);
    return lines.join('\n');
  }
  const lines = [`class ${slice.name}${bases.length > 0 ? ` extends ${bases.join(', ')}` : ''}`];
  for (const d of ctx?.decorators ?? []) lines.push(`  decorator: ${d}`);
  if (doc) lines.push(`  doc: ${doc.replace(/\s*\n\s*/g, ' ')}`);
  for (const m of methods) lines.push(`  method ${m}(...)`);
  return lines.join('\n');
}

/**
 * The same slice id always gets the same requirement (a stable hash of the id). One-shot
 * `hash()`: a `createHash` object per class slice was 2 to 3 % of the conversion thread.
 */
export function chooseRequirement<R>(sliceId: string, requirements: readonly R[]): R {
  const digest = hash('sha256', sliceId, 'buffer');
  const r = requirements[digest.readUInt32BE(0) % requirements.length];
  if (r === undefined) throw new Error('no requirements configured');
  return r;
}

/**
 * The placeholder values of both scenarios. Only the placeholders in `used` are computed (a
 * template reads no others; those are ''), and a run of slices from one file computes its path's
 * display form and language once.
 */
export function createSliceValues(used?: ReadonlySet<string>) {
  const wants = (name: string): boolean => used === undefined || used.has(name);
  const w = {
    docstring: wants('docstring'),
    decorators: wants('decorators'),
    lines: wants('start_line') || wants('end_line'),
    code: wants('code'),
    parameters: wants('parameters'),
    returns: wants('returns'),
    skeleton: wants('skeleton'),
    bases: wants('base_classes'),
    methods: wants('methods'),
  };
  let lastPath: string | undefined;
  let lastDisplay = '';
  let lastLanguage = '';
  const common = (slice: FunctionSlice | ClassSlice, repo: string): Record<string, string> => {
    if (slice.file_path !== lastPath) {
      lastPath = slice.file_path;
      lastDisplay = displayPath(lastPath);
      lastLanguage = languageOf(lastPath);
    }
    const lines = w.lines;
    return {
      repository: slice.repository ?? repo,
      file_path: lastDisplay,
      name: slice.name,
      complexity: slice.complexity,
      language: lastLanguage,
      code: w.code ? slice.code_snippet.trimEnd() : '',
      docstring: w.docstring ? (slice.context?.docstring?.trim() ?? '') : '',
      decorators: w.decorators ? (slice.context?.decorators ?? []).join(', ') : '',
      start_line: !lines || slice.start_line == null ? '' : String(slice.start_line),
      end_line: !lines || slice.end_line == null ? '' : String(slice.end_line),
    };
  };
  return {
    scenario1(
      slice: FunctionSlice,
      repo: string,
      focus: Readonly<Record<FunctionSlice['complexity'], string>>,
    ): Record<string, string> {
      return {
        ...common(slice, repo),
        focus: focus[slice.complexity],
        parameters: w.parameters ? (slice.context?.parameters ?? []).join(', ') : '',
        returns: w.returns ? (slice.context?.returns ?? '') : '',
      };
    },
    scenario2(
      slice: ClassSlice,
      repo: string,
      requirements: readonly Requirement[],
    ): Record<string, string> {
      const req = chooseRequirement(slice.id, requirements);
      return {
        ...common(slice, repo),
        skeleton: w.skeleton ? classSkeleton(slice) : '',
        base_classes: w.bases ? (slice.context?.base_classes ?? []).join(', ') : '',
        methods: w.methods ? methodNames(slice).join(', ') : '',
        requirement_title: req.title,
        requirement_description: req.description,
        requirement_constraints: req.constraints.map((c) => `- ${c}`).join('\n'),
      };
    },
  };
}

const ALL_VALUES = createSliceValues();

export function scenario1Values(
  slice: FunctionSlice,
  repo: string,
  focus: Readonly<Record<FunctionSlice['complexity'], string>>,
): Record<string, string> {
  return ALL_VALUES.scenario1(slice, repo, focus);
}

export function scenario2Values(
  slice: ClassSlice,
  repo: string,
  requirements: readonly Requirement[],
): Record<string, string> {
  return ALL_VALUES.scenario2(slice, repo, requirements);
}
