import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { splitKey, SplitRecords } from '../../src/compile/dataset-split.ts';
import { classifyMissing, failureLine } from '../../src/compile/failure-categories.ts';
import { fileStandings } from '../../src/compile/input-file-standing.ts';
import { formatRecord, SPLIT_SUFFIX } from '../../src/compile/record-format.ts';
import { blankAnswer, scenario1Text, scenario2Text } from '../../src/compile/record-text.ts';
import { ResultIndex } from '../../src/compile/result-index.ts';
import { peekResultLine, scanResultLines } from '../../src/compile/result-lines.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { JobRecord } from '../../src/jobs/job-record.ts';
import type { FunctionSlice, ClassSlice } from '../../src/domain/slice-schema.ts';
import { AtomicStreamFile } from '../../src/storage/atomic-stream-file.ts';
import type { BatchInputFile } from '../../src/submit/batch-input-files.ts';
import { foldRecords } from '../../src/jobs/submission-state.ts';
import { classSlice, functionSlice } from '../support/slices.ts';
import { tempDir } from '../support/temp-dir.ts';

test('split: the side depends on (repo, slice id, seed) only, at the train ratio', () => {
  const n = 20_000;
  let train = 0;
  for (let i = 0; i < n; i++) if (splitKey('repo', `id_${i}`, 42, 0.8).side === 'train') train++;
  assert.ok(Math.abs(train / n - 0.8) < 0.01, `train share ${train / n}`);
  // The same key, the same answer; another repo folder or seed, another draw.
  assert.deepEqual(splitKey('r', 'x', 1, 0.8), splitKey('r', 'x', 1, 0.8));
  const sides = (repo: string, seed: number) =>
    Array.from({ length: 200 }, (_, i) => splitKey(repo, `id_${i}`, seed, 0.5).side).join();
  assert.notEqual(sides('a', 1), sides('b', 1));
  assert.notEqual(sides('a', 1), sides('a', 2));
  // Raising the ratio only moves records from validation to training.
  for (let i = 0; i < 2000; i++) {
    if (splitKey('repo', `id_${i}`, 42, 0.7).side === 'train') {
      assert.equal(splitKey('repo', `id_${i}`, 42, 0.9).side, 'train');
    }
  }
});

test('split records: each side in seeded order, across segments, offsets past 4 GiB', () => {
  const records = new SplitRecords();
  const keys = Array.from({ length: 70_000 }, (_, i) => splitKey('r', `s${i}`, 3, 0.75));
  keys.forEach((k, i) => records.add(k, i % 7, i * 1_000_003, 100 + (i % 50)));
  assert.equal(records.size, 70_000); // more than one segment
  for (const side of ['train', 'val'] as const) {
    const order = records.ordered(side);
    assert.equal(order.length, keys.filter((k) => k.side === side).length);
    assert.equal(records.count(side), order.length);
    for (let j = 0; j < order.length; j++) {
      const i = order.index(j);
      assert.equal(keys[i]!.side, side);
      if (j > 0) {
        const before = order.index(j - 1);
        const [a, b] = [keys[before]!.order, keys[i]!.order];
        assert.ok(a < b || (a === b && before < i));
      }
      assert.deepEqual(records.at(i), {
        file: i % 7,
        offset: i * 1_000_003,
        length: 100 + (i % 50),
      });
    }
  }
  assert.ok(69_999 * 1_000_003 > 2 ** 32);
});

test('result index: the latest attempt wins, entries survive growth, used flags', () => {
  const index = new ResultIndex(4);
  for (let i = 0; i < 10_000; i++) index.put(`scenario1_s${i}`, i % 100, 1, i * 700_001, i);
  assert.equal(index.size, 10_000);
  const e = index.entry(index.find('scenario1_s9999'));
  assert.deepEqual(e, { file: 99, attempt: 1, offset: 9999 * 700_001, length: 9999, used: false });
  assert.equal(index.find('scenario1_nope'), -1);
  index.put('scenario1_s5', 500, 3, 1, 2);
  index.put('scenario1_s5', 600, 2, 3, 4); // an earlier attempt does not replace a later one
  index.put('scenario1_s5', 700, 3, 5, 6); // nor does the same attempt
  assert.deepEqual(index.entry(index.find('scenario1_s5')), {
    file: 500,
    attempt: 3,
    offset: 1,
    length: 2,
    used: false,
  });
  const slot = index.find('scenario1_s7');
  index.markUsed(slot);
  assert.equal(index.entry(slot).used, true);
  assert.equal(index.entry(slot).file, 7);
  assert.equal([...index.slots()].length, 10_000);
  assert.throws(() => index.put('x', 2 ** 24, 1), RangeError);
  // The next repo folder: emptied, its table reused when large enough, else sized once.
  const bytes = index.bytes;
  index.reset(1000);
  assert.equal(index.size, 0);
  assert.equal(index.find('scenario1_s1'), -1);
  assert.equal(index.bytes, bytes);
  index.reset(100_000);
  assert.ok(index.bytes >= ((100_000 * 4) / 3) * 24);
  const sized = index.bytes;
  for (let i = 0; i < 100_000; i++) index.put(`k${i}`, 0, 1);
  assert.equal(index.bytes, sized, 'no growth while filling as expected');
  index.release();
  assert.ok(index.bytes < 1024);
});

test('result lines: custom_id and status read without parsing, whatever the layout', () => {
  const peek = (line: string) => {
    const buf = Buffer.from(`xx${line}yy`);
    return peekResultLine(buf, 2, 2 + Buffer.byteLength(line));
  };
  const body = {
    choices: [{ message: { content: '{"custom_id": "scenario1_evil", "status_code": 500}' } }],
  };
  assert.deepEqual(
    peek(
      JSON.stringify({
        id: 'b',
        custom_id: 'scenario1_a__a2',
        response: { status_code: 200, body },
        error: null,
      }),
    ),
    { customId: 'scenario1_a__a2', status: 200 },
  );
  // OpenAI's documented spacing, keys in another order, content mentioning the keys.
  assert.deepEqual(
    peek(
      `{"response": {"body": ${JSON.stringify(body)}, "status_code": 200}, "custom_id" : "scenario2_é\\"q", "error": null}`,
    ),
    { customId: 'scenario2_é"q', status: 200 },
  );
  assert.deepEqual(peek('{"custom_id":"x","response":null,"error":{"code":"e"}}'), {
    customId: 'x',
    status: undefined,
  });
  assert.deepEqual(peek('not json'), { customId: undefined, status: undefined });
});

test('result lines: byte offsets across chunks, CRLF, a long line, no final newline', async (t) => {
  const dir = await tempDir(t);
  const lines = [
    JSON.stringify({ custom_id: 'a', response: { status_code: 200 } }),
    JSON.stringify({ custom_id: 'b€', response: { status_code: 200 }, pad: 'x'.repeat(300) }),
    JSON.stringify({ custom_id: 'c', response: { status_code: 400 } }),
  ];
  const text = `${lines[0]}\r\n\n${lines[1]}\n${lines[2]}`;
  const path = join(dir, 'r.jsonl');
  await writeFile(path, text);
  const bytes = Buffer.from(text);
  const refs = [];
  for await (const batch of scanResultLines(path, 64)) refs.push(...batch);
  assert.deepEqual(
    refs.map((r) => [r.customId, r.status]),
    [
      ['a', 200],
      ['b€', 200],
      ['c', 400],
    ],
  );
  refs.forEach((r, i) =>
    assert.equal(bytes.subarray(r.offset, r.offset + r.length).toString(), lines[i]),
  );
});

const s1Answer = {
  question: 'What does reserve do when stock is short?',
  answer: 'It returns False and leaves the stock unchanged.',
  reasoning_trace: {
    steps: [
      {
        step_number: 1,
        description: 'Reads the stock.',
        code_reference: 'have = stock.get(sku, 0)',
        reasoning: 'Missing means zero.',
      },
    ],
    conclusion: 'Short stock is refused.',
  },
  business_rules: ['Quantities must be positive.', '  '],
};

test('record texts: scenario 1 layout, code fences that survive backticks, blank answers', () => {
  const slice = functionSlice({
    code_snippet: 'def f():\n    return "```"\n',
  }) as unknown as FunctionSlice;
  const text = scenario1Text(slice, s1Answer);
  assert.equal(
    text.input,
    'File: inventory/stock.py\nFunction: reserve\n\n````python\ndef f():\n    return "```"\n````',
  );
  assert.equal(
    text.output,
    '<thought>\nStep 1: Reads the stock.\nCode: have = stock.get(sku, 0)\nMissing means zero.\n\nConclusion: Short stock is refused.\n</thought>\n\n' +
      'Question: What does reserve do when stock is short?\n\nAnswer: It returns False and leaves the stock unchanged.\n\n' +
      'Business rules:\n- Quantities must be positive.',
  );
  assert.equal(blankAnswer({ scenario: 'scenario1', value: s1Answer }), undefined);
  assert.match(
    blankAnswer({ scenario: 'scenario1', value: { ...s1Answer, answer: ' ' } })!,
    /answer is blank/,
  );
  // Without steps, rules or conclusion: still a thought block, never an empty text.
  const bare = scenario1Text(slice, {
    ...s1Answer,
    reasoning_trace: { steps: [], conclusion: '' },
    business_rules: [],
  });
  assert.match(bare.output, /^<thought>\n<\/thought>\n\nQuestion: /);
});

test('record texts: scenario 2 shows the skeleton and the requirement, not the body', () => {
  const slice = classSlice() as unknown as ClassSlice;
  const requirement = { title: 'Caching', description: 'Cache it.', constraints: ['Bounded.'] };
  const answer = {
    requirement_analysis: { title: '', description: 'Needs a cache.', constraints: [] },
    design_solution: {
      overview: 'A read-through cache.',
      architecture: {
        components: ['Cache'],
        integration_points: [],
        data_flow: 'Reads go through it.',
      },
      implementation_plan: ['Add the cache.', 'Invalidate on write.'],
    },
    reasoning_trace: {
      analysis_steps: [
        {
          step: 1,
          existing_pattern_analysis: 'A store.',
          requirement_mapping: 'Reads.',
          decision_factors: ['Speed', 'Size'],
        },
      ],
      design_rationale: 'Simple.',
    },
  };
  const text = scenario2Text(slice, requirement, answer);
  assert.equal(
    text.input,
    'File: inventory/ledger.py\nClass: Ledger\n\n```python\n@dataclass\nclass Ledger(BaseStore):\n    """An append-only record of stock movements."""\n\n    def __init__(self, ...): ...\n\n    def record(self, ...): ...\n```\n\n' +
      'New requirement: Caching\nCache it.\nConstraints:\n- Bounded.',
  );
  assert.equal(
    text.output,
    '<thought>\nStep 1:\nExisting pattern: A store.\nRequirement mapping: Reads.\nDecision factors: Speed; Size\n\nDesign rationale: Simple.\n</thought>\n\n' +
      'Requirement analysis: Caching\nNeeds a cache.\n\nDesign overview: A read-through cache.\n\n' +
      'Components:\n- Cache\nData flow: Reads go through it.\n\nImplementation plan:\n1. Add the cache.\n2. Invalidate on write.',
  );
  const empty = { ...answer.design_solution, overview: ' ', implementation_plan: [''] };
  assert.match(
    blankAnswer({ scenario: 'scenario2', value: { ...answer, design_solution: empty } })!,
    /neither an overview nor an implementation plan/,
  );
});

test('record formats: chat split lines are the processed line without its metadata', () => {
  const text = { instruction: 'Do.', input: 'In "x"', output: 'Out' };
  const meta = {
    custom_id: 'scenario1_a',
    scenario: 'scenario1',
    repo: 'r',
    slice_id: 'a',
    file_path: 'f.py',
    name: 'a',
    complexity: 'simple',
    attempt: 1,
    batch_id: 'batch_1',
  } as const;
  const chat = formatRecord('chat', text, meta);
  assert.deepEqual(JSON.parse(chat.head + chat.tail), {
    messages: [
      { role: 'system', content: JSON.parse(chat.head + SPLIT_SUFFIX.chat).messages[0].content },
      { role: 'user', content: 'Do.\n\nIn "x"' },
      { role: 'assistant', content: 'Out' },
    ],
    metadata: meta,
  });
  assert.deepEqual(Object.keys(JSON.parse(chat.head + SPLIT_SUFFIX.chat)), ['messages']);
  const alpaca = formatRecord('alpaca', text, meta);
  assert.equal(alpaca.tail, '');
  assert.deepEqual(JSON.parse(alpaca.head), { ...text, metadata: meta });
});

test('failure categories: the ledger first, then the input file, then a stray result', () => {
  const fate = { repo: 'r', custom_id: 'scenario1_a', attempt: 2, batch_id: 'batch_9' };
  assert.deepEqual(classifyMissing({ ledger: { ...fate, fate: 'final', reason: 'HTTP 400' } }), {
    category: 'final',
    reason: 'HTTP 400',
    batch_id: 'batch_9',
    attempt: 2,
  });
  const retry = classifyMissing({
    ledger: { ...fate, fate: 'retry', reason: 'batch_expired: late' },
    inputFile: { kind: 'not_submitted', reason: 'its batch input file f is not submitted yet' },
  });
  assert.equal(retry.category, 'pending');
  assert.equal(
    retry.reason,
    'to be sent again after attempt 2 (batch_expired: late); attempt 3: its batch input file f is not submitted yet',
  );
  assert.deepEqual(
    classifyMissing({
      inputFile: { kind: 'in_batch', batchId: 'b', reason: 'in batch b, validating' },
    }),
    {
      category: 'pending',
      reason: 'in batch b, validating',
      batch_id: 'b',
    },
  );
  assert.equal(
    classifyMissing({ inputFile: { kind: 'not_submitted', reason: 'x' } }).category,
    'not_submitted',
  );
  assert.equal(classifyMissing({ resultReason: 'content is not valid JSON' }).category, 'final');
  assert.equal(classifyMissing({}).category, 'not_converted');
  const line = failureLine({
    repo: 'r',
    file: 'f',
    line: 3,
    reason: 'why',
    category: 'final',
    attempt: 1,
  });
  assert.equal(
    line,
    '{"category":"final","reason":"why","repo":"r","file":"f","line":3,"attempt":1}\n',
  );
});

test('input file standing: finished, in a batch, or why not submitted (cost cap, failure)', () => {
  const file = (name: string, sha256: string, tokens = 1_000_000): BatchInputFile => ({
    path: `/d/3.batch_input/r/${name}`,
    display: `3.batch_input/r/${name}`,
    repo: 'r',
    name,
    manifest: {
      version: 1,
      file: name,
      scenario: 'scenario1',
      model: 'gpt-4o-mini',
      requests: 10,
      bytes: 1,
      prompt_tokens: tokens,
      max_completion_tokens: 0,
      sha256,
      created_at: '',
      sources: [],
      attempt: 1,
    },
  });
  const job = (batch_id: string, done: boolean, status: string) =>
    ({ batch_id, done, status, download_error: null, cost_usd: 0 }) as unknown as JobRecord;
  const at = 1;
  const submissions = foldRecords([
    { t: 'created', sha256: 'A', file: 'a', file_id: 'f1', batch_id: 'batch_a', attempt: 1, at },
    { t: 'created', sha256: 'B', file: 'b', file_id: 'f2', batch_id: 'batch_b', attempt: 1, at },
    { t: 'failed', sha256: 'C', file: 'c', attempt: 1, reason: 'HTTP 400: bad file', at },
  ]);
  const jobs = new Map([
    ['batch_a', job('batch_a', true, 'completed')],
    ['batch_b', job('batch_b', false, 'in_progress')],
  ]);
  const files = [
    file('a', 'A'),
    file('b', 'B'),
    file('c', 'C'),
    file('a2', 'A'),
    file('d', 'D'),
    file('e', 'E'),
  ];
  const config = parseConfig({ limits: { max_cost_usd: 0.1 } }, 'test');
  const standings = fileStandings({ files, submissions, jobs, limits: new Map(), config, now: 0 });
  const reasons = standings.map((s) => s.standing);
  assert.deepEqual(reasons[0], { kind: 'finished', batchId: 'batch_a' });
  assert.deepEqual(reasons[1], {
    kind: 'in_batch',
    batchId: 'batch_b',
    reason: 'in batch batch_b, in_progress',
  });
  assert.match(
    (reasons[2] as { reason: string }).reason,
    /^its batch input file 3\.batch_input\/r\/c could not be submitted: HTTP 400: bad file$/,
  );
  assert.deepEqual(reasons[3], reasons[0], 'a copy of a finished file is finished');
  // 1M prompt tokens at $0.075 and the output estimate: the second new file would pass $0.10.
  assert.match(
    (reasons[4] as { reason: string }).reason,
    /^its batch input file 3\.batch_input\/r\/d is not submitted yet/,
  );
  assert.match(
    (reasons[5] as { reason: string }).reason,
    /^its batch input file 3\.batch_input\/r\/e is not submitted: limits\.max_cost_usd \(\$0\.10\) would be passed/,
  );
});

test('atomic stream file: nothing under the final name before publish; offsets of appends', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'sub', 'out.jsonl');
  const file = await AtomicStreamFile.create(path);
  const texts = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'é'.repeat(i % 700)}\n`);
  const appended: { offset: number; bytes: number }[] = [];
  for (const [i, text] of texts.entries()) {
    appended.push(file.appendText(text));
    if (i % 100 === 0) await file.flush();
  }
  const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
  const at = file.appendBytes(big);
  assert.deepEqual(await readdir(join(dir, 'sub')), [file.tempPath.split('/').pop()]);
  await file.seal();
  assert.deepEqual(await readdir(join(dir, 'sub')), [file.tempPath.split('/').pop()]);
  await file.publish();
  assert.deepEqual(await readdir(join(dir, 'sub')), ['out.jsonl']);
  const bytes = await readFile(path);
  assert.equal(bytes.length, file.size);
  texts.forEach((text, i) => {
    const a = appended[i]!;
    assert.equal(bytes.subarray(a.offset, a.offset + a.bytes).toString(), text);
  });
  assert.ok(bytes.subarray(at.offset).equals(big));

  const aborted = await AtomicStreamFile.create(join(dir, 'gone.jsonl'));
  aborted.appendText('x\n');
  await aborted.abort();
  assert.deepEqual((await readdir(dir)).sort(), ['sub']);
});

test('reviewed lines: the rejects report first, then bytes, then the slice parse', async () => {
  const { reviewedLine } = await import('../../src/compile/reviewed-line.ts');
  const where = { file: 'data/1.inbox/r/a.jsonl', line: 3 };
  const slice = functionSlice({ id: 'f1' });
  const text = { kind: 'text', lineNo: 3, text: JSON.stringify(slice), bytes: 10 } as const;
  const ok = reviewedLine(text, undefined, 'r', where);
  assert.equal(ok.kind === 'slice' && ok.slice.id, 'f1');
  const report = {
    file: 'a.jsonl',
    line: 3,
    code: 'duplicate',
    reason: 'same code as r/b.jsonl:1',
    id: 'f1',
    duplicate_of: { id: 'f0', file: 'b.jsonl', line: 1, repo: 'r' },
  } as const;
  assert.deepEqual(reviewedLine(text, report, 'r', where), {
    kind: 'failure',
    entry: {
      category: 'rejected',
      reason: 'same code as r/b.jsonl:1',
      code: 'duplicate',
      slice_id: 'f1',
      duplicate_of: report.duplicate_of,
      repo: 'r',
      ...where,
    },
  });
  const utf8 = reviewedLine({ kind: 'invalid_utf8', lineNo: 3, bytes: 7 }, undefined, 'r', where);
  assert.equal(utf8.kind === 'failure' && utf8.entry.reason, 'not valid UTF-8 (7 bytes)');
  const long = reviewedLine({ kind: 'too_long', lineNo: 3, bytes: 9 }, undefined, 'r', where);
  assert.equal(long.kind === 'failure' && long.entry.code, 'line_too_long');
  const bad = reviewedLine({ ...text, text: '{"id":"x"' }, undefined, 'r', where);
  assert.equal(bad.kind === 'failure' && bad.entry.category, 'rejected');
  assert.equal(bad.kind === 'failure' && bad.entry.file, where.file);
});
