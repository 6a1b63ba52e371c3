/**
 * The fast slice check against zod (slice-schema.ts), field by field: whenever the fast check
 * accepts a slice, zod accepts it too and gives the same value (same keys in the same order,
 * trimmed strings); and it does accept plainly valid slices (else the fast path is never taken).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastCheckSlice } from '../../src/domain/slice-fast-check.ts';
import { ClassSliceSchema, FunctionSliceSchema } from '../../src/domain/slice-schema.ts';
import { parseSliceLine } from '../../src/domain/parse-slice.ts';
import { createSliceGenerator } from '../support/slice-generator.ts';
import { classSlice, functionSlice } from '../support/slices.ts';

type Json = Record<string, unknown>;

/** What zod gives for the slice, and what the fast check gives (undefined: ask zod). */
function both(record: Json) {
  const type = record['type'] as 'function' | 'class';
  const schema = type === 'function' ? FunctionSliceSchema : ClassSliceSchema;
  // Through JSON text, as slices arrive (JSON.parse's objects, own __proto__ keys included).
  const input = JSON.parse(JSON.stringify(record)) as Json;
  const zod = schema.safeParse(JSON.parse(JSON.stringify(record)));
  return { zod, fast: fastCheckSlice(input, type) };
}

function assertNeverLooser(record: Json, label: string): void {
  const { zod, fast } = both(record);
  if (fast === undefined) return;
  assert.ok(zod.success, `${label}: the fast check accepted what zod rejects`);
  assert.equal(JSON.stringify(fast), JSON.stringify(zod.data), `${label}: a different value`);
}

function assertSame(record: Json, label: string): void {
  const { zod, fast } = both(record);
  assert.ok(zod.success, `${label}: zod rejects it`);
  assert.notEqual(fast, undefined, `${label}: the fast check does not take a valid slice`);
  assert.equal(JSON.stringify(fast), JSON.stringify(zod.data), `${label}: a different value`);
}

/** Values to put in a field: valid and invalid ones of every JSON kind. */
const VALUES: readonly unknown[] = [
  undefined, // the field removed
  null,
  '',
  '   ',
  ' padded text \n',
  'text',
  'x'.repeat(256),
  ' ' + 'x'.repeat(256) + ' ',
  'x'.repeat(257),
  'slice~attempt2',
  ' slice~attempt2 ',
  'simple',
  'medium ',
  'complex',
  0,
  -3,
  1.5,
  2 ** 60,
  true,
  [],
  ['a', 'b'],
  ['a', 1],
  [{ name: 'm' }, 'n'],
  [{ name: 'm', extra: 1 }],
  [{ nom: 'm' }],
  {},
  { name: 'x', more: [1] },
  { docstring: 'd', parameters: ['p'], returns: null, decorators: [], extra: true },
  { docstring: 3 },
  { methods: ['a', { name: 'b', kind: 'static' }], base_classes: ['Base'] },
  { methods: [{ name: 2 }] },
  { parameters: null, decorators: ['@x'] },
];

const without = (record: Json, key: string): Json => {
  const copy = { ...record };
  delete copy[key];
  return copy;
};

test('valid slices of both kinds take the fast path and equal zod', () => {
  assertSame(functionSlice(), 'function');
  assertSame(classSlice(), 'class');
  assertSame(functionSlice({ reviewer: 'ana', start_line: null, context: null }), 'nulls');
  assertSame(functionSlice({ id: '  spaced id  ', code_snippet: '\n  x = 1\n' }), 'trimmed');
  assertSame(without(functionSlice(), 'metadata'), 'no metadata');
  const gen = createSliceGenerator({ seed: 7 });
  for (let i = 0; i < 300; i++) {
    const s = gen.next() as unknown as Json;
    assertSame(s, `generated slice ${i}`);
  }
});

test('every field with every kind of value: never looser than zod, and the same value', () => {
  const fields = [
    'id',
    'repository',
    'file_path',
    'name',
    'start_line',
    'end_line',
    'code_snippet',
    'complexity',
    'metadata',
    'context',
  ];
  let fast = 0;
  for (const base of [functionSlice(), classSlice()]) {
    for (const field of fields) {
      for (const value of VALUES) {
        const record = value === undefined ? without(base, field) : { ...base, [field]: value };
        assertNeverLooser(record, `${String(base['type'])}.${field} = ${JSON.stringify(value)}`);
        if (both(record).fast !== undefined) fast++;
      }
    }
    for (const key of [
      'docstring',
      'parameters',
      'returns',
      'decorators',
      'base_classes',
      'methods',
    ]) {
      for (const value of VALUES) {
        const ctx = { ...(base['context'] as Json) };
        if (value === undefined) delete ctx[key];
        else ctx[key] = value;
        const record = { ...base, context: ctx };
        assertNeverLooser(
          record,
          `${String(base['type'])}.context.${key} = ${JSON.stringify(value)}`,
        );
        if (both(record).fast !== undefined) fast++;
      }
    }
  }
  // Each valid variant is taken by the fast path (not all deferred to zod).
  assert.ok(fast > 100, `only ${fast} variants took the fast path`);
});

test('an own __proto__ key is left to zod, which drops it', () => {
  const text = JSON.stringify(functionSlice()).replace('{', '{"__proto__":{"x":1},');
  const input = JSON.parse(text) as Json;
  assert.equal(fastCheckSlice(input, 'function'), undefined);
  const parsed = parseSliceLine(text);
  assert.ok(parsed.ok);
  assert.equal(Object.hasOwn(parsed.slice, '__proto__'), false);
});

test('unknown fields keep their input order after the known ones, as zod orders them', () => {
  const record = { zeta: 1, ...functionSlice(), alpha: 2, context: { zz: 1, docstring: 'd' } };
  assertSame(record, 'unknown fields');
});
