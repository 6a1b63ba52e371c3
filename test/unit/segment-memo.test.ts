/**
 * Segments with one placeholder are written from a memo of their values (segment-memo.ts):
 * every request line is still the canonical JSON of the request, its user message the whole
 * template rendered with the slice's values, and its variable texts the segments rendered, in
 * order, whether a value is met for the first time, again, after its store was emptied, over
 * the length kept, or in a segment that was given up; with non-ASCII text, lone surrogates and
 * characters JSON escapes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { createRequestBuilder, scenarioSpec } from '../../src/convert/request-builder.ts';
import {
  createSegmentMemo,
  MAX_MEMO_VALUE_CHARS,
  MAX_MEMO_VALUES,
  MEMO_TRIAL_LOOKUPS,
} from '../../src/convert/segment-memo.ts';
import { parseTemplate, renderParts, segmentTemplate } from '../../src/domain/prompt-template.ts';

const config = parseConfig({}, 'config.json');

/** The default scenario 1 template and one whose one-placeholder segments read it twice. */
const TEMPLATES = [
  config.scenarios.scenario1.prompt_template,
  'Repo {{repository}} / {{repository}}\nKind: {{complexity}}\nCode:\n{{code}}\nEnd {{name}}\n',
];

const oddTexts = [
  'naïve',
  'クラス',
  '😀',
  'lone \ud800 surrogate',
  'quote " back \\ tab \t nl \n',
  '\u2028',
];

/** Values that repeat, that do not, that fill a store, that are too long to keep. */
function valuesAt(i: number): Record<string, string> {
  return {
    repository: i % 997 < 500 ? 'repo_a' : `repo_${i % 300}_${oddTexts[i % oddTexts.length]}`,
    complexity: ['simple', 'medium', 'complex'][i % 3]!,
    focus: i % 5 === 0 ? 'x'.repeat(MAX_MEMO_VALUE_CHARS + 1) : `focus ${i % 4}`,
    file_path: `pkg/mod_${i}.py`,
    name: `f_${i}_${oddTexts[i % oddTexts.length]}`,
    language: 'python',
    code: `def f_${i}():\n    return "${oddTexts[i % oddTexts.length]}"`,
  };
}

for (const template of TEMPLATES) {
  test(`request lines are the same with the memo (${JSON.stringify(template.slice(0, 20))}…)`, () => {
    const spec = scenarioSpec(
      'scenario1',
      { ...config.scenarios.scenario1, prompt_template: template },
      config.model,
    );
    const builder = createRequestBuilder(spec);
    const segments = segmentTemplate(parseTemplate(template));
    for (let i = 0; i < MEMO_TRIAL_LOOKUPS + 3 * MAX_MEMO_VALUES; i++) {
      const values = valuesAt(i);
      const request = builder.render(`scenario1_id_${i}`, values);
      assert.equal(`${JSON.stringify(JSON.parse(request.line))}\n`, request.line, `line ${i}`);
      const body = (JSON.parse(request.line) as { body: { messages: { content: string }[] } }).body;
      assert.equal(body.messages[1]!.content, renderParts(parseTemplate(template), values));
      assert.deepEqual(
        request.variableTexts,
        segments.flatMap((s) => (s.kind === 'variable' ? [renderParts(s.parts, values)] : [])),
        `texts ${i}`,
      );
    }
  });
}

test('a memo keeps the segment of a value met before, and only of one placeholder', () => {
  const parts = parseTemplate('Repository: {{repository}}\n');
  const memo = createSegmentMemo(parts)!;
  const first = memo.get({ repository: 'r' })!;
  assert.equal(first.text, 'Repository: r\n');
  assert.equal(first.bytes.toString(), 'Repository: r\\n');
  assert.equal(memo.get({ repository: 'r' }), first, 'the same text and bytes again');
  assert.equal(memo.get({ repository: 'y'.repeat(MAX_MEMO_VALUE_CHARS + 1) }), undefined);
  assert.equal(createSegmentMemo(parseTemplate('{{file_path}}::{{name}}\n')), undefined);
  assert.equal(createSegmentMemo(parseTemplate('no placeholder')), undefined);
});

test('a segment whose values do not repeat is given up after the trial look-ups', () => {
  const memo = createSegmentMemo(parseTemplate('Name: {{name}}\n'))!;
  let kept = 0;
  for (let i = 0; i < MEMO_TRIAL_LOOKUPS + 10; i++) if (memo.get({ name: `n${i}` })) kept++;
  assert.equal(kept, MEMO_TRIAL_LOOKUPS - 1);
  assert.equal(memo.get({ name: 'n0' }), undefined, 'given up: rendered by the caller');
});
