/**
 * createSliceValues computes only the placeholders a template reads, and a file's path once for
 * a run of its slices: the values it gives are scenario1Values' / scenario2Values', and the
 * request lines are the same bytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createRequestBuilder, scenarioSpec } from '../../src/convert/request-builder.ts';
import { placeholdersOf } from '../../src/domain/prompt-template.ts';
import { parseSliceLine } from '../../src/domain/parse-slice.ts';
import {
  createSliceValues,
  SCENARIO1_PLACEHOLDERS,
  SCENARIO2_PLACEHOLDERS,
  scenario1Values,
  scenario2Values,
} from '../../src/domain/slice-fields.ts';
import type { ClassSlice, FunctionSlice } from '../../src/domain/slice-schema.ts';
import { ByteSink } from '../../src/storage/byte-sink.ts';
import { classSlice, functionSlice } from '../support/slices.ts';

const config = parseConfig({}, 'config.json');
const { focus } = config.scenarios.scenario1;
const { requirements } = config.scenarios.scenario2;

function parsed(record: Record<string, unknown>) {
  const p = parseSliceLine(JSON.stringify(record));
  assert.ok(p.ok, JSON.stringify(p));
  return p.slice;
}

/** Slices that vary every field, files changing between them (and coming back). */
const functions = [
  functionSlice(),
  functionSlice({ id: 'f2', file_path: 'a\\b\\c.PY', start_line: null, end_line: 3 }),
  functionSlice({ id: 'f3', file_path: 'a\\b\\c.PY', context: null, repository: null }),
  functionSlice({
    id: 'f4',
    file_path: 'src/x.ts',
    code_snippet: 'function f() {\n  return 1;\n}\n\n  ',
    context: { docstring: '  Doc.\n  ', parameters: ['a', 'b'], returns: 'int', decorators: ['d'] },
  }),
  functionSlice({ id: 'f5', file_path: 'noext', complexity: 'complex' }),
  functionSlice({ id: 'f6' }),
].map((r) => parsed(r) as FunctionSlice);
const classes = [
  classSlice(),
  classSlice({
    id: 'c2',
    file_path: 'lib/k.rb',
    context: { base_classes: ['A', 'B'], methods: ['m', { name: 'n' }] },
  }),
  classSlice({ id: 'c3', start_line: null, context: null }),
].map((r) => parsed(r) as ClassSlice);

test('every placeholder a template reads has scenario1Values / scenario2Values value', () => {
  const someOf = (names: readonly string[], k: number) => names.filter((_, i) => i % k === 0);
  for (const used of [
    SCENARIO1_PLACEHOLDERS,
    someOf(SCENARIO1_PLACEHOLDERS, 2),
    someOf(SCENARIO1_PLACEHOLDERS, 3),
    ['name'],
  ]) {
    const values = createSliceValues(new Set(used));
    for (const s of [...functions, ...functions.toReversed()]) {
      const got = values.scenario1(s, 'repo_x', focus);
      const all = scenario1Values(s, 'repo_x', focus);
      for (const name of used) assert.equal(got[name], all[name], `${s.id} ${name}`);
    }
  }
  for (const used of [
    SCENARIO2_PLACEHOLDERS,
    ['skeleton', 'language'],
    ['methods', 'base_classes'],
  ]) {
    const values = createSliceValues(new Set(used));
    for (const s of [...classes, ...classes.toReversed()]) {
      const got = values.scenario2(s, 'repo_x', requirements);
      const all = scenario2Values(s, 'repo_x', requirements);
      for (const name of used) assert.equal(got[name], all[name], `${s.id} ${name}`);
    }
  }
});

test('request lines from the values a template reads are those from all the values', () => {
  const everything1 = SCENARIO1_PLACEHOLDERS.map((n) => `${n}: {{${n}}}`).join('\n');
  const everything2 = SCENARIO2_PLACEHOLDERS.map((n) => `${n}: {{ ${n} }}`).join('\n');
  for (const [template1, template2] of [
    [config.scenarios.scenario1.prompt_template, config.scenarios.scenario2.prompt_template],
    [everything1, everything2],
    ['{{code}}', '{{skeleton}}{{methods}}'],
  ] as const) {
    const b1 = createRequestBuilder(
      scenarioSpec(
        'scenario1',
        { ...config.scenarios.scenario1, prompt_template: template1 },
        config.model,
      ),
    );
    const b2 = createRequestBuilder(
      scenarioSpec(
        'scenario2',
        { ...config.scenarios.scenario2, prompt_template: template2 },
        config.model,
      ),
    );
    assert.ok(placeholdersOf(template1).length > 0);
    const line = (encode: (sink: ByteSink) => void) => {
      const sink = new ByteSink(64);
      encode(sink);
      return sink.bytes.toString('utf8');
    };
    for (const s of functions) {
      assert.equal(
        line((k) => b1.encodeInto(k, 'id', b1.sliceValues.scenario1(s, 'r', focus))),
        line((k) => b1.encodeInto(k, 'id', scenario1Values(s, 'r', focus))),
      );
    }
    for (const s of classes) {
      assert.equal(
        line((k) => b2.encodeInto(k, 'id', b2.sliceValues.scenario2(s, 'r', requirements))),
        line((k) => b2.encodeInto(k, 'id', scenario2Values(s, 'r', requirements))),
      );
    }
  }
});

test('a path met again after another gets its own display form and language back', () => {
  const values = createSliceValues(new Set(['file_path', 'language', 'start_line', 'code']));
  const got = functions.map((s) => values.scenario1(s, 'r', focus));
  assert.deepEqual(
    got.map((v) => [v['file_path'], v['language']]),
    [
      ['inventory/stock.py', 'python'],
      ['a/b/c.PY', 'python'],
      ['a/b/c.PY', 'python'],
      ['src/x.ts', 'typescript'],
      ['noext', ''],
      ['inventory/stock.py', 'python'],
    ],
  );
  assert.deepEqual(
    got.map((v) => v['start_line']),
    ['10', '', '10', '10', '10', '10'],
  );
  assert.equal(got[3]!['code'], 'function f() {\n  return 1;\n}');
});
