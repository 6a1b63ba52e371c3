import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSliceLine } from '../../src/domain/parse-slice.ts';
import { REQUIRED_FIELDS } from '../../src/domain/slice-schema.ts';
import { classSlice, functionSlice } from '../support/slices.ts';

function rejected(text: string) {
  const r = parseSliceLine(text);
  assert.equal(r.ok, false, `expected a reject for ${text.slice(0, 80)}`);
  return r;
}

test('accepts a function and a class slice of the original layout', () => {
  const f = parseSliceLine(JSON.stringify(functionSlice()));
  const c = parseSliceLine(JSON.stringify(classSlice()));
  assert.ok(f.ok && f.slice.type === 'function' && f.slice.name === 'reserve');
  assert.ok(c.ok && c.slice.type === 'class' && c.slice.context?.methods?.length === 2);
});

test('accepts unknown extra fields and null optional fields', () => {
  const r = parseSliceLine(
    JSON.stringify(functionSlice({ reviewer: 'ana', start_line: null, context: null })),
  );
  assert.ok(r.ok);
});

test('not JSON', () => {
  const r = rejected('{"id": "x", ');
  assert.equal(r.code, 'invalid_json');
  assert.match(r.reason, /^not valid JSON: /);
});

test('not an object: array, string, number, null', () => {
  for (const [text, what] of [
    ['[1,2]', 'an array'],
    ['"slice"', 'the string "slice"'],
    ['42', 'a number'],
    ['null', 'null'],
  ] as const) {
    const r = rejected(text);
    assert.equal(r.code, 'not_object');
    assert.equal(r.reason, `not a JSON object but ${what}`);
  }
});

test('each required field missing is named', () => {
  for (const field of REQUIRED_FIELDS) {
    const slice = functionSlice();
    delete slice[field];
    const r = rejected(JSON.stringify(slice));
    assert.equal(r.code, 'missing_field', field);
    assert.equal(r.field, field);
    assert.equal(r.reason, `missing field "${field}"`);
  }
});

test('wrong types are named with what was found', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ start_line: '10' }, 'start_line', /field "start_line" must be number, got the string "10"/],
    [{ name: 7 }, 'name', /field "name" must be string, got a number/],
    [{ context: { parameters: 'a, b' } }, 'context.parameters', /must be array/],
    [{ type: 3 }, 'type', /field "type" must be string, got a number/],
    [{ id: ['x'] }, 'id', /field "id" must be string, got an array/],
  ];
  for (const [override, field, reason] of cases) {
    const r = rejected(JSON.stringify(functionSlice(override)));
    assert.equal(r.code, 'wrong_type', field);
    assert.equal(r.field, field);
    assert.match(r.reason, reason);
  }
  const cls = rejected(JSON.stringify(classSlice({ context: { methods: [42] } })));
  assert.equal(cls.code, 'wrong_type');
  assert.equal(cls.field, 'context.methods[0]');
});

test('a type other than function or class is not ours', () => {
  const r = rejected(JSON.stringify(functionSlice({ type: 'method' })));
  assert.equal(r.code, 'unsupported_type');
  assert.equal(r.reason, 'type "method" is neither "function" nor "class"');
  assert.equal(r.id, 'repo_demo_00001_func');
});

test('invalid values: unknown complexity, empty code', () => {
  const c = rejected(JSON.stringify(functionSlice({ complexity: 'hard' })));
  assert.equal(c.code, 'invalid_value');
  assert.match(
    c.reason,
    /field "complexity" must be one of "simple", "medium", "complex", got the string "hard"/,
  );
  const e = rejected(JSON.stringify(functionSlice({ code_snippet: '   ' })));
  assert.equal(e.code, 'invalid_value');
  assert.equal(e.field, 'code_snippet');
  assert.match(e.reason, /must not be empty/);
});
