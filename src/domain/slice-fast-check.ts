/**
 * The common case of slice validation without zod: a slice that is valid in every field gets
 * the same value zod's parse of slice-schema.ts gives (trimmed strings, fresh objects and
 * arrays, the same keys in the same order); anything else gets `undefined`, and the caller
 * asks zod, whose first issue is the reject reason. So the reasons stay zod's, word for word,
 * and this check only has to be right about what is valid, never about why something is not.
 * Stricter than the schema is allowed (zod then decides); looser is a bug, and
 * test/unit/slice-fast-check.test.ts compares both on valid and broken slices.
 */
import { reservedSliceIdProblem } from './custom-id.ts';
import { COMPLEXITIES, type Slice } from './slice-schema.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `z.string().trim().min(1)`: the trimmed text, or undefined. */
function nonEmpty(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t.length === 0 ? undefined : t;
}

/** Absent (skip), null, or a value `ok` accepts; `false` when none of these. */
const ABSENT = Symbol('absent');
function nullish<T>(
  obj: Json,
  key: string,
  ok: (v: unknown) => T | undefined,
): T | null | typeof ABSENT | false {
  if (!(key in obj)) return ABSENT;
  const v = obj[key];
  if (v === null) return null;
  if (v === undefined) return false;
  const r = ok(v);
  return r === undefined ? false : r;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined =>
  Number.isSafeInteger(v) ? (v as number) : undefined;

function strings(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: string[] = [];
  for (const s of v as unknown[]) {
    if (typeof s !== 'string') return undefined;
    out.push(s);
  }
  return out;
}

/** Unknown keys are copied after the known ones, in input order (zod's loose objects). */
function copyRest(from: Json, into: Json, known: ReadonlySet<string>): boolean {
  for (const key in from) {
    if (known.has(key)) continue;
    if (key === '__proto__') return false; // zod drops it; let zod decide
    into[key] = from[key];
  }
  return true;
}

function looseObject(v: unknown): Json | undefined {
  if (!isObject(v)) return undefined;
  const out: Json = {};
  return copyRest(v, out, NO_KEYS) ? out : undefined;
}
const NO_KEYS: ReadonlySet<string> = new Set();

function methodRef(v: unknown): string | Json | undefined {
  if (typeof v === 'string') return v;
  if (!isObject(v) || typeof v['name'] !== 'string') return undefined;
  const out: Json = { name: v['name'] };
  return copyRest(v, out, NAME_KEY) ? out : undefined;
}
const NAME_KEY: ReadonlySet<string> = new Set(['name']);

function methodRefs(v: unknown): (string | Json)[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: (string | Json)[] = [];
  for (const m of v) {
    const r = methodRef(m);
    if (r === undefined) return undefined;
    out.push(r);
  }
  return out;
}

type FieldCheck = (v: unknown) => unknown;
const FUNCTION_CONTEXT: readonly (readonly [string, FieldCheck])[] = [
  ['docstring', str],
  ['parameters', strings],
  ['returns', str],
  ['decorators', strings],
];
const CLASS_CONTEXT: readonly (readonly [string, FieldCheck])[] = [
  ['docstring', str],
  ['base_classes', strings],
  ['methods', methodRefs],
  ['decorators', strings],
];
const keysOf = (fields: readonly (readonly [string, FieldCheck])[]): ReadonlySet<string> =>
  new Set(fields.map(([k]) => k));
const FUNCTION_CONTEXT_KEYS = keysOf(FUNCTION_CONTEXT);
const CLASS_CONTEXT_KEYS = keysOf(CLASS_CONTEXT);

/** Sets `key` from `check` the way zod does; false when invalid. */
function setNullish(from: Json, into: Json, key: string, check: FieldCheck): boolean {
  const r = nullish(from, key, check);
  if (r === false) return false;
  if (r !== ABSENT) into[key] = r;
  return true;
}

function context(v: unknown, type: 'function' | 'class'): Json | undefined {
  if (!isObject(v)) return undefined;
  const fields = type === 'function' ? FUNCTION_CONTEXT : CLASS_CONTEXT;
  const out: Json = {};
  for (const [key, check] of fields) if (!setNullish(v, out, key, check)) return undefined;
  return copyRest(v, out, type === 'function' ? FUNCTION_CONTEXT_KEYS : CLASS_CONTEXT_KEYS)
    ? out
    : undefined;
}

/** The slice's own keys, in the schema's order (common fields, then type and context). */
const SLICE_KEYS: ReadonlySet<string> = new Set([
  'id',
  'repository',
  'file_path',
  'name',
  'start_line',
  'end_line',
  'code_snippet',
  'complexity',
  'metadata',
  'type',
  'context',
]);

/**
 * The slice zod would return for `record` (whose `type` is already known to be one of
 * SLICE_TYPES), or undefined when any field is not plainly valid.
 */
export function fastCheckSlice(record: Json, type: 'function' | 'class'): Slice | undefined {
  const out: Json = {};
  const id = nonEmpty(record['id']);
  if (id === undefined || id.length > 256 || reservedSliceIdProblem(id) !== undefined) {
    return undefined;
  }
  out['id'] = id;
  if (!setNullish(record, out, 'repository', str)) return undefined;
  const filePath = nonEmpty(record['file_path']);
  if (filePath === undefined) return undefined;
  out['file_path'] = filePath;
  const name = nonEmpty(record['name']);
  if (name === undefined) return undefined;
  out['name'] = name;
  if (!setNullish(record, out, 'start_line', int)) return undefined;
  if (!setNullish(record, out, 'end_line', int)) return undefined;
  const code = nonEmpty(record['code_snippet']);
  if (code === undefined) return undefined;
  out['code_snippet'] = code;
  const complexity = record['complexity'];
  if (!(COMPLEXITIES as readonly unknown[]).includes(complexity)) return undefined;
  out['complexity'] = complexity;
  if (!setNullish(record, out, 'metadata', looseObject)) return undefined;
  out['type'] = type;
  if (!setNullish(record, out, 'context', (v) => context(v, type))) return undefined;
  return copyRest(record, out, SLICE_KEYS) ? (out as Slice) : undefined;
}
