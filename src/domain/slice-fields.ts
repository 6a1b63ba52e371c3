/**
 * The values a slice gives to prompt placeholders, per scenario. Pure functions.
 */
import { createHash } from 'node:crypto';
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

/** The same slice id always gets the same requirement (a stable hash of the id). */
export function chooseRequirement<R>(sliceId: string, requirements: readonly R[]): R {
  const digest = createHash('sha256').update(sliceId).digest();
  const r = requirements[digest.readUInt32BE(0) % requirements.length];
  if (r === undefined) throw new Error('no requirements configured');
  return r;
}

function common(slice: FunctionSlice | ClassSlice, repo: string): Record<string, string> {
  return {
    repository: slice.repository ?? repo,
    file_path: displayPath(slice.file_path),
    name: slice.name,
    complexity: slice.complexity,
    language: languageOf(slice.file_path),
    code: slice.code_snippet.trimEnd(),
    docstring: slice.context?.docstring?.trim() ?? '',
    decorators: (slice.context?.decorators ?? []).join(', '),
    start_line: slice.start_line == null ? '' : String(slice.start_line),
    end_line: slice.end_line == null ? '' : String(slice.end_line),
  };
}

export function scenario1Values(
  slice: FunctionSlice,
  repo: string,
  focus: Readonly<Record<FunctionSlice['complexity'], string>>,
): Record<string, string> {
  return {
    ...common(slice, repo),
    focus: focus[slice.complexity],
    parameters: (slice.context?.parameters ?? []).join(', '),
    returns: slice.context?.returns ?? '',
  };
}

export function scenario2Values(
  slice: ClassSlice,
  repo: string,
  requirements: readonly Requirement[],
): Record<string, string> {
  const req = chooseRequirement(slice.id, requirements);
  return {
    ...common(slice, repo),
    skeleton: classSkeleton(slice),
    base_classes: (slice.context?.base_classes ?? []).join(', '),
    methods: methodNames(slice).join(', '),
    requirement_title: req.title,
    requirement_description: req.description,
    requirement_constraints: req.constraints.map((c) => `- ${c}`).join('\n'),
  };
}
