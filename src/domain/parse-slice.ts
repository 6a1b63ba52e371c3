/**
 * One line of a reviewed-slice file → a slice, or the reason it cannot be used. Pure: the
 * caller adds the file and line number, and checks for duplicate ids (which needs memory of
 * what came before).
 */
import type { z } from 'zod';
import {
  ClassSliceSchema,
  FunctionSliceSchema,
  REQUIRED_FIELDS,
  SLICE_TYPES,
  type Slice,
} from './slice-schema.ts';
import { fastCheckSlice } from './slice-fast-check.ts';
import { shortened } from '../format.ts';

export const REJECT_CODES = {
  invalid_json: 'invalid_json',
  not_object: 'not_object',
  missing_field: 'missing_field',
  wrong_type: 'wrong_type',
  invalid_value: 'invalid_value',
  unsupported_type: 'unsupported_type',
  duplicate_id: 'duplicate_id',
  invalid_utf8: 'invalid_utf8',
  line_too_long: 'line_too_long',
  request_too_large: 'request_too_large',
  slice_too_large: 'slice_too_large',
  /** The same or nearly the same code as a slice sent before (convert/duplicate-gate.ts). */
  duplicate: 'duplicate',
} as const;
export type RejectCode = (typeof REJECT_CODES)[keyof typeof REJECT_CODES];

export type ParsedLine =
  | { readonly ok: true; readonly slice: Slice }
  | {
      readonly ok: false;
      readonly code: RejectCode;
      readonly reason: string;
      readonly field?: string;
      readonly id?: string;
    };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(shortened(value, 40))}`;
  return `a ${typeof value}`;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .slice(1);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function missingField(field: string, withId: { id?: string }): ParsedLine {
  return { ok: false, code: 'missing_field', field, reason: `missing field "${field}"`, ...withId };
}

function fromIssue(issue: z.core.$ZodIssue, root: unknown, id: string | undefined): ParsedLine {
  const field = fieldPath(issue.path);
  const value = valueAt(root, issue.path);
  const withId = id === undefined ? {} : { id };
  if (issue.code === 'invalid_type') {
    if (value === undefined) return missingField(field, withId);
    return {
      ok: false,
      code: 'wrong_type',
      field,
      reason: `field "${field}" must be ${issue.expected}, got ${describe(value)}`,
      ...withId,
    };
  }
  if (issue.code === 'invalid_union') {
    return {
      ok: false,
      code: 'wrong_type',
      field,
      reason: `field "${field}" has the wrong type (${describe(value)})`,
      ...withId,
    };
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
    return {
      ok: false,
      code: 'invalid_value',
      field,
      reason: `field "${field}" must be one of ${allowed}, got ${describe(value)}`,
      ...withId,
    };
  }
  return {
    ok: false,
    code: 'invalid_value',
    field,
    reason: `field "${field}" ${issue.message}`,
    ...withId,
  };
}

export function parseSliceLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message : String(err);
    return { ok: false, code: 'invalid_json', reason: `not valid JSON: ${detail}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, code: 'not_object', reason: `not a JSON object but ${describe(value)}` };
  }
  const record = value as Record<string, unknown>;
  const id = typeof record['id'] === 'string' ? record['id'] : undefined;
  const withId = id === undefined ? {} : { id };
  const type = record['type'];
  if (type === undefined) return missingField('type', withId);
  if (typeof type !== 'string') {
    return {
      ok: false,
      code: 'wrong_type',
      field: 'type',
      reason: `field "type" must be string, got ${describe(type)}`,
      ...withId,
    };
  }
  if (!(SLICE_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      code: 'unsupported_type',
      field: 'type',
      reason: `type ${JSON.stringify(shortened(type, 40))} is neither "function" nor "class"`,
      ...withId,
    };
  }
  for (const field of REQUIRED_FIELDS) {
    if (record[field] === undefined) return missingField(field, withId);
  }
  const valid = fastCheckSlice(record, type as (typeof SLICE_TYPES)[number]);
  if (valid !== undefined) return { ok: true, slice: valid };
  const schema = type === 'function' ? FunctionSliceSchema : ClassSliceSchema;
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, slice: parsed.data };
  const issue = parsed.error.issues[0];
  if (issue === undefined) {
    return {
      ok: false,
      code: 'invalid_value',
      reason: 'does not match the slice layout',
      ...withId,
    };
  }
  return fromIssue(issue, value, id);
}
