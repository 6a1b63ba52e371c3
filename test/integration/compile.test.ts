import assert from 'node:assert/strict';
import { readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { compileDataset, type CompileSummary } from '../../src/compile/compile-dataset.ts';
import { INSTRUCTIONS, SYSTEM_MESSAGES } from '../../src/compile/record-text.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { chooseRequirement, classSkeleton } from '../../src/domain/slice-fields.ts';
import type { ClassSlice } from '../../src/domain/slice-schema.ts';
import { listBatchInputFiles } from '../../src/submit/batch-input-files.ts';
import { runCli } from '../support/cli.ts';
import {
  convert,
  customIdOf,
  quietLog,
  readJsonl,
  sliceSource,
  usableAnswers,
  writeInbox,
  type UsableAnswer,
} from '../support/dataset.ts';
import { testEmulator } from '../support/emulator.ts';
import { checkInvariant, testPipeline } from '../support/pipeline.ts';
import type { GeneratedSlice } from '../support/slice-generator.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START, later } from '../support/test-time.ts';
import { fileTimestamp } from '../../src/domain/file-names.ts';
import { openReviewJournal } from '../../src/domain/review-journal.ts';

const T1 = RUN_START;
const T2 = later(90 * 60_000);
const TS1 = fileTimestamp(T1);

function compile(
  dataDir: string,
  config: Config,
  options: { now?: Date; format?: 'alpaca' | 'chat'; outputDir?: string; seed?: number } = {},
): Promise<CompileSummary> {
  return compileDataset({
    paths: dataPaths(dataDir, '.', options.outputDir ? { finalOutput: options.outputDir } : {}),
    config,
    format: options.format,
    seed: options.seed,
    now: () => options.now ?? T1,
    log: quietLog,
  });
}

/** Every record of a compilation (the processed files), by custom_id. */
async function processedRecords(summary: CompileSummary): Promise<Map<string, any>> {
  const out = new Map<string, any>();
  for (const p of summary.processed) {
    for (const r of await readJsonl(p.path)) {
      assert.equal(r.metadata.repo, p.repo);
      assert.equal(r.metadata.scenario, p.scenario);
      const key = `${r.metadata.repo}\u0000${r.metadata.custom_id}`;
      assert.ok(!out.has(key), `${key} twice`);
      out.set(key, r);
    }
  }
  return out;
}

const thoughtOf = (output: string): { thought: string; rest: string } => {
  const m = /^<thought>\n([\s\S]*)\n<\/thought>\n\n([\s\S]+)$/.exec(output);
  assert.ok(m, `output does not start with a <thought> block: ${output.slice(0, 80)}`);
  return { thought: m[1]!, rest: m[2]! };
};

function includesInOrder(text: string, parts: readonly string[], what: string): void {
  let from = 0;
  for (const part of parts) {
    const at = text.indexOf(part.trim(), from);
    assert.ok(at !== -1, `${what}: ${JSON.stringify(part)} missing (or out of order)`);
    from = at + part.trim().length;
  }
}

/** An alpaca record checked field by field against its slice and answer. */
function checkRecord(
  record: any,
  slice: GeneratedSlice,
  repo: string,
  usable: UsableAnswer,
  config: Config,
): void {
  const isClass = slice.type === 'class';
  const requirement = isClass
    ? chooseRequirement(slice.id, config.scenarios.scenario2.requirements)
    : undefined;
  assert.deepEqual(Object.keys(record), ['instruction', 'input', 'output', 'metadata']);
  assert.deepEqual(record.metadata, {
    custom_id: customIdOf(slice),
    scenario: isClass ? 'scenario2' : 'scenario1',
    repo,
    slice_id: slice.id,
    file_path: slice.file_path,
    name: slice.name,
    complexity: slice.complexity,
    attempt: usable.attempt,
    batch_id: usable.batchId,
    ...(requirement ? { requirement: requirement.title } : {}),
  });
  for (const field of ['instruction', 'input', 'output']) {
    assert.equal(typeof record[field], 'string');
    assert.ok(record[field].trim().length > 0, `${field} is empty`);
  }
  const a = usable.answer;
  const { thought, rest } = thoughtOf(record.output);
  if (!isClass) {
    assert.equal(record.instruction, INSTRUCTIONS.scenario1);
    includesInOrder(
      record.input,
      [`File: ${slice.file_path}`, `Function: ${slice.name}`, '```python', slice.code_snippet],
      'scenario 1 input',
    );
    includesInOrder(
      thought,
      [
        ...a.reasoning_trace.steps.flatMap((s: any, i: number) => [
          `Step ${i + 1}: ${s.description}`,
          `Code: ${s.code_reference}`,
          s.reasoning,
        ]),
        `Conclusion: ${a.reasoning_trace.conclusion}`,
      ],
      'scenario 1 thought',
    );
    includesInOrder(
      rest,
      [
        `Question: ${a.question}`,
        `Answer: ${a.answer}`,
        'Business rules:',
        ...a.business_rules.map((r: string) => `- ${r}`),
      ],
      'scenario 1 answer',
    );
    assert.ok(!rest.includes('<thought>'));
  } else {
    assert.equal(record.instruction, INSTRUCTIONS.scenario2);
    includesInOrder(
      record.input,
      [
        `File: ${slice.file_path}`,
        `Class: ${slice.name}`,
        classSkeleton(slice as unknown as ClassSlice),
        `New requirement: ${requirement!.title}`,
        requirement!.description,
        ...requirement!.constraints.map((c) => `- ${c}`),
      ],
      'scenario 2 input',
    );
    assert.ok(!record.input.includes(slice.code_snippet), 'the class body is not shown');
    includesInOrder(
      thought,
      [
        ...a.reasoning_trace.analysis_steps.flatMap((s: any, i: number) => [
          `Step ${i + 1}:`,
          `Existing pattern: ${s.existing_pattern_analysis}`,
          `Requirement mapping: ${s.requirement_mapping}`,
          `Decision factors: ${s.decision_factors.join('; ')}`,
        ]),
        `Design rationale: ${a.reasoning_trace.design_rationale}`,
      ],
      'scenario 2 thought',
    );
    const d = a.design_solution;
    includesInOrder(
      rest,
      [
        `Requirement analysis: ${a.requirement_analysis.title}`,
        a.requirement_analysis.description,
        ...a.requirement_analysis.constraints.map((c: string) => `- ${c}`),
        `Design overview: ${d.overview}`,
        'Components:',
        ...d.architecture.components.map((c: string) => `- ${c}`),
        'Integration points:',
        ...d.architecture.integration_points.map((c: string) => `- ${c}`),
        `Data flow: ${d.architecture.data_flow}`,
        'Implementation plan:',
        ...d.implementation_plan.map((s: string, i: number) => `${i + 1}. ${s}`),
      ],
      'scenario 2 design',
    );
  }
}

interface Run {
  readonly data: string;
  readonly config: Config;
  /** Every slice line of the inbox, by repo folder, with its file and line. */
  readonly slices: { repo: string; file: string; line: number; slice: GeneratedSlice }[];
  readonly targets: {
    error4xx: GeneratedSlice;
    invalidJson: GeneratedSlice;
    overCap: GeneratedSlice;
    pending: GeneratedSlice[];
    notSubmitted: GeneratedSlice[];
    badLine: { file: string; line: number };
  };
}

/**
 * Two repo folders converted (the last function over --max-scenario1), submitted and polled to
 * the end with a 400 on one request and unparseable answers on another (retry.max_attempts 2);
 * then one more file submitted whose batch has not run, and one converted and not submitted.
 */
async function realisticRun(t: TestContext): Promise<Run> {
  const data = await tempDir(t);
  const raw = { retry: { max_attempts: 2 } };
  const config = parseConfig(raw, 'test');
  const a = sliceSource('repo_a', 101);
  const b = sliceSource('repo_b', 202);
  const sliceA = a(14);
  const sliceB = b(12);
  const bad = '{"id": "repo_a_bad", "type": "function", "name": "broken"}';
  await writeInbox(data, 'repo_a/code_slices.jsonl', [
    ...sliceA.slice(0, 6),
    bad,
    ...sliceA.slice(6),
  ]);
  await writeInbox(data, 'repo_b/code_slices.jsonl', sliceB);
  const functions = (xs: GeneratedSlice[]) => xs.filter((s) => s.type === 'function');
  for (const xs of [sliceA, sliceB]) {
    assert.ok(functions(xs).length >= 4 && xs.length - functions(xs).length >= 2);
  }
  const error4xx = functions(sliceA)[0]!;
  const invalidJson = functions(sliceB)[1]!;
  const overCap = functions(sliceB).at(-1)!;
  await convert(data, config, {
    maxScenario1: functions(sliceA).length + functions(sliceB).length - 1,
  });

  const env = await testEmulator(t, {
    faults: {
      requests: [
        { kind: 'error_4xx', custom_id: `^scenario1_${error4xx.id}$` },
        { kind: 'invalid_json', custom_id: `^scenario1_${invalidJson.id}(~attempt\\d+)?$` },
      ],
    },
  });
  const p = await testPipeline(t, env, data, raw);
  await p.settle();
  const invariant = await checkInvariant(data);
  assert.equal(invariant.final.size, 2);

  // Submitted, its batch not run yet.
  const pending = b(3);
  await writeInbox(data, 'repo_b/later.jsonl', pending);
  await convert(data, config, { only: ['repo_b/later.jsonl'] });
  const round = await p.submitter.submitRound(
    await listBatchInputFiles(join(data, '3.batch_input'), data),
  );
  assert.ok(round.submitted.length >= 1);
  // Converted, not submitted.
  const notSubmitted = a(3);
  await writeInbox(data, 'repo_a/later.jsonl', notSubmitted);
  await convert(data, config, { only: ['repo_a/later.jsonl'] });

  const slices: Run['slices'] = [];
  const add = (repo: string, file: string, xs: GeneratedSlice[], skipLine?: number) => {
    let line = 1;
    for (const slice of xs) {
      if (line === skipLine) line++;
      slices.push({ repo, file: `2.reviewed_slices/${repo}/${file}`, line: line++, slice });
    }
  };
  add('repo_a', 'code_slices.jsonl', sliceA, 7);
  add('repo_a', 'later.jsonl', notSubmitted);
  add('repo_b', 'code_slices.jsonl', sliceB);
  add('repo_b', 'later.jsonl', pending);
  return {
    data,
    config,
    slices,
    targets: {
      error4xx,
      invalidJson,
      overCap,
      pending,
      notSubmitted,
      badLine: { file: '2.reviewed_slices/repo_a/code_slices.jsonl', line: 7 },
    },
  };
}

test('a realistic run compiles: every record checked field by field, statistics, failures', async (t) => {
  const run = await realisticRun(t);
  const { data, config, targets } = run;
  const summary = await compile(data, config);
  const records = await processedRecords(summary);
  const { received, usable } = await usableAnswers(data);

  // Records: exactly the slices with a usable answer, each checked against it.
  let expected = 0;
  for (const { repo, slice } of run.slices) {
    const key = `${repo}\u0000${customIdOf(slice)}`;
    const answer = usable.get(key);
    if (answer === undefined) {
      assert.ok(!records.has(key), `${key} has a record but no usable answer`);
      continue;
    }
    expected++;
    const record = records.get(key);
    assert.ok(record, `${key} has a usable answer but no record`);
    checkRecord(record, slice, repo, answer, config);
  }
  assert.equal(records.size, expected);
  assert.equal(expected, usable.size, 'every usable answer belongs to a slice');
  assert.equal(expected, run.slices.length - 2 - 1 - 3 - 3);

  // The failures report: each injected failure, with its reason.
  const failures = await readJsonl(summary.failures.path);
  const byId = new Map(failures.filter((f) => f.slice_id).map((f) => [f.slice_id, f]));
  const expectFailure = (slice: GeneratedSlice, category: string, reason: RegExp) => {
    const f = byId.get(slice.id);
    assert.ok(f, `${slice.id} is not in the failures report`);
    assert.equal(f.category, category, `${slice.id}: ${f.reason}`);
    assert.match(f.reason, reason);
    const where = run.slices.find((s) => s.slice === slice)!;
    assert.equal(f.file, where.file);
    assert.equal(f.line, where.line);
    assert.equal(f.repo, where.repo);
    assert.equal(f.custom_id, customIdOf(slice));
    return f;
  };
  const f4 = expectFailure(targets.error4xx, 'final', /^rejected by the API \(HTTP 400\)/);
  assert.equal(f4.attempt, 1);
  const fj = expectFailure(
    targets.invalidJson,
    'final',
    /^gave up after 2 attempts; last: content is not valid JSON/,
  );
  assert.equal(fj.attempt, 2);
  assert.match(fj.batch_id, /^batch_/);
  expectFailure(targets.overCap, 'not_converted', /over the --max-scenario1\/2 caps/);
  for (const s of targets.pending) {
    const f = expectFailure(s, 'pending', /^in batch batch_\w+, validating$/);
    assert.match(f.batch_id, /^batch_/);
  }
  for (const s of targets.notSubmitted) {
    expectFailure(
      s,
      'not_submitted',
      /^its batch input file 3\.batch_input\/repo_a\/scenario[12]_batch_input_\d{8}_\d{6}(_\d+)?\.jsonl is not submitted yet/,
    );
  }
  const badLine = failures.find(
    (f) => f.line === targets.badLine.line && f.file === targets.badLine.file,
  );
  assert.deepEqual(badLine, {
    category: 'rejected',
    reason: 'missing field "file_path"',
    repo: 'repo_a',
    file: targets.badLine.file,
    line: targets.badLine.line,
    slice_id: 'repo_a_bad',
    code: 'missing_field',
  });
  assert.equal(failures.length, 1 + 2 + 1 + targets.pending.length + targets.notSubmitted.length);
  assert.equal(summary.failures.records, failures.length);
  assert.deepEqual(summary.failures.byCategory, {
    rejected: 1,
    final: 2,
    ungrounded: 0,
    refused: 0,
    empty_answer: 0,
    excluded_by_reviewer: 0,
    over_token_limit: 0,
    fine_tuning_format: 0,
    pending: 3,
    not_submitted: 3,
    not_converted: 1,
  });

  // Statistics, against counts made here.
  const stats = JSON.parse(await readFile(summary.statisticsPath, 'utf8'));
  const withRecord = run.slices.filter((s) => usable.has(`${s.repo}\u0000${customIdOf(s.slice)}`));
  const count = (f: (s: (typeof withRecord)[number]) => boolean) => withRecord.filter(f).length;
  const fn = (s: { slice: GeneratedSlice }) => s.slice.type === 'function';
  assert.deepEqual(stats.by_repo, {
    repo_a: {
      scenario1: count((s) => s.repo === 'repo_a' && fn(s)),
      scenario2: count((s) => s.repo === 'repo_a' && !fn(s)),
      total: count((s) => s.repo === 'repo_a'),
    },
    repo_b: {
      scenario1: count((s) => s.repo === 'repo_b' && fn(s)),
      scenario2: count((s) => s.repo === 'repo_b' && !fn(s)),
      total: count((s) => s.repo === 'repo_b'),
    },
  });
  assert.deepEqual(stats.by_scenario, { scenario1: count(fn), scenario2: count((s) => !fn(s)) });
  assert.equal(stats.total_records, withRecord.length);
  const train = await readJsonl(summary.train.path);
  const val = await readJsonl(summary.val.path);
  assert.equal(stats.train_records, train.length);
  assert.equal(stats.val_records, val.length);
  assert.equal(train.length + val.length, withRecord.length);
  // Two unparseable answers (attempts 1 and 2) were received besides the usable ones.
  assert.equal(received, usable.size + 2);
  assert.equal(stats.responses_received, received);
  assert.equal(stats.responses_usable, usable.size);
  assert.equal(stats.parse_success_rate, Math.round((usable.size / received) * 10_000) / 10_000);
  const mean = (xs: number[]) =>
    Math.round((xs.reduce((x, y) => x + y, 0) / xs.length) * 100) / 100;
  const answerOf = (s: (typeof withRecord)[number]) =>
    usable.get(`${s.repo}\u0000${customIdOf(s.slice)}`)!.answer;
  assert.equal(
    stats.average_reasoning_steps,
    mean(withRecord.filter(fn).map((s) => answerOf(s).reasoning_trace.steps.length)),
  );
  assert.equal(
    stats.average_decision_points,
    mean(
      withRecord
        .filter((s) => !fn(s))
        .map((s) => answerOf(s).reasoning_trace.analysis_steps.length),
    ),
  );
  assert.equal(stats.failures.total, failures.length);
  assert.equal(stats.reviewed_lines, run.slices.length + 1);

  // The split files hold exactly the processed records, not in slice order.
  const processedLines = new Set<string>();
  for (const p of summary.processed) {
    for (const l of (await readFile(p.path, 'utf8')).split('\n').filter(Boolean))
      processedLines.add(l);
  }
  const splitLines = [summary.train.path, summary.val.path].map(async (p) =>
    (await readFile(p, 'utf8')).split('\n').filter(Boolean),
  );
  const [trainLines, valLines] = await Promise.all(splitLines);
  assert.deepEqual(new Set([...trainLines!, ...valLines!]), processedLines);
  const sliceOrder = withRecord.map((s) => customIdOf(s.slice));
  const trainOrder = train.map((r) => r.metadata.custom_id);
  assert.notDeepEqual(
    trainOrder,
    sliceOrder.filter((id) => trainOrder.includes(id)),
  );

  // The summary says the same.
  const md = await readFile(summary.summaryPath, 'utf8');
  assert.match(md, new RegExp(`\\*\\*${withRecord.length} records\\*\\*`));
  assert.match(md, /\*\*10 slices have no record\*\*/);
  assert.match(md, /- not_submitted: 3 /);

  // Nothing but the run's files, no temporary file left.
  const names = (await readdir(join(data, '5.final_output'), { recursive: true })).sort();
  assert.deepEqual(names, [
    `dataset_statistics_${TS1}.json`,
    `failures_${TS1}.jsonl`,
    `hf_dataset_${TS1}`,
    `hf_dataset_${TS1}/README.md`,
    `hf_dataset_${TS1}/data`,
    `hf_dataset_${TS1}/data/train-00000-of-00001.jsonl`,
    `hf_dataset_${TS1}/data/validation-00000-of-00001.jsonl`,
    'repo_a',
    `repo_a/scenario1_processed_${TS1}.jsonl`,
    `repo_a/scenario2_processed_${TS1}.jsonl`,
    'repo_b',
    `repo_b/scenario1_processed_${TS1}.jsonl`,
    `repo_b/scenario2_processed_${TS1}.jsonl`,
    `review_summary_${TS1}.md`,
    `train_dataset_${TS1}.jsonl`,
    `val_dataset_${TS1}.jsonl`,
  ]);
});

test('the chat format: messages ready for fine-tuning, the same texts, the same split', async (t) => {
  const run = await realisticRun(t);
  const alpaca = await compile(run.data, run.config);
  const chat = await compile(run.data, run.config, {
    format: 'chat',
    outputDir: join(run.data, 'chat'),
  });
  const a = await processedRecords(alpaca);
  const c = await processedRecords(chat);
  assert.equal(c.size, a.size);
  assert.ok(c.size > 10);
  for (const [key, record] of c) {
    const ref = a.get(key)!;
    assert.deepEqual(Object.keys(record), ['messages', 'metadata']);
    assert.deepEqual(record.metadata, ref.metadata);
    const scenario = ref.metadata.scenario as 'scenario1' | 'scenario2';
    assert.deepEqual(record.messages, [
      { role: 'system', content: SYSTEM_MESSAGES[scenario] },
      { role: 'user', content: `${ref.instruction}\n\n${ref.input}` },
      { role: 'assistant', content: ref.output },
    ]);
    for (const m of record.messages) assert.ok(m.content.trim().length > 0);
  }
  // The split files hold messages only, each record on the side it has in the alpaca format.
  const side = new Map<string, string>();
  for (const [name, path] of [
    ['train', alpaca.train.path],
    ['val', alpaca.val.path],
  ] as const) {
    for (const r of await readJsonl(path)) side.set(r.output, name);
  }
  let lines = 0;
  for (const [name, path] of [
    ['train', chat.train.path],
    ['val', chat.val.path],
  ] as const) {
    for (const r of await readJsonl(path)) {
      lines++;
      assert.deepEqual(Object.keys(r), ['messages']);
      assert.equal(r.messages.length, 3);
      assert.equal(side.get(r.messages[2].content), name);
    }
  }
  assert.equal(lines, c.size);
  assert.equal(chat.train.records, alpaca.train.records);
});

test('the split is stable as the dataset grows; its order is seeded', async (t) => {
  const data = await tempDir(t);
  const config = parseConfig({}, 'test');
  const a = sliceSource('repo_a', 7);
  const top = sliceSource('repo_top', 8);
  await writeInbox(data, 'repo_a/one.jsonl', a(30));
  await writeInbox(data, 'top.jsonl', top(10));
  await convert(data, config);
  const env = await testEmulator(t);
  const p = await testPipeline(t, env, data);
  await p.settle();
  const first = await compile(data, config, { now: T1 });
  const sideOf = async (s: CompileSummary) => {
    const m = new Map<string, { side: string; at: number }>();
    for (const [side, path] of [
      ['train', s.train.path],
      ['val', s.val.path],
    ] as const) {
      (await readJsonl(path)).forEach((r, at) =>
        m.set(`${r.metadata.repo}\u0000${r.metadata.custom_id}`, { side, at }),
      );
    }
    return m;
  };
  const before = await sideOf(first);
  assert.equal(before.size, 40);
  assert.ok(
    [...before.keys()].some((k) => k.startsWith('\u0000')),
    'top-level slices compiled',
  );
  assert.ok(first.val.records > 0 && first.train.records > first.val.records);

  // More slices: appended to a file, in a new file, in a new repo folder.
  await writeFile(
    join(data, '2.reviewed_slices', 'repo_a', 'one.jsonl'),
    (await readFile(join(data, '2.reviewed_slices', 'repo_a', 'one.jsonl'), 'utf8')) +
      a(15)
        .map((s) => JSON.stringify(s))
        .join('\n') +
      '\n',
  );
  // Files and folders that come before the earlier ones in the order they are read.
  await writeInbox(data, 'repo_a/0_first.jsonl', a(15));
  await writeInbox(data, 'repo_0/x.jsonl', sliceSource('repo_0', 9)(20));
  await convert(data, config);
  await p.settle();
  const second = await compile(data, config, { now: T2 });
  const after = await sideOf(second);
  assert.equal(after.size, 90);
  for (const [key, { side }] of before) {
    assert.equal(after.get(key)?.side, side, `${key} changed sides`);
  }
  // The earlier records keep their relative order within each split file.
  for (const side of ['train', 'val']) {
    const keys = [...before].filter(([, v]) => v.side === side).map(([k]) => k);
    const then = [...keys].sort((x, y) => before.get(x)!.at - before.get(y)!.at);
    const now = [...keys].sort((x, y) => after.get(x)!.at - after.get(y)!.at);
    assert.deepEqual(now, then);
  }
  // Another compilation with the same seed is identical; another seed orders and splits anew.
  const again = await compile(data, config, { now: T2, outputDir: join(data, 'again') });
  assert.equal(await readFile(again.train.path, 'utf8'), await readFile(second.train.path, 'utf8'));
  const other = await compile(data, config, { now: T2, outputDir: join(data, 'other'), seed: 7 });
  const otherSides = await sideOf(other);
  assert.ok([...after].some(([k, v]) => otherSides.get(k)!.side !== v.side));
});

test('slicebatch compile: flags, output, and bad values named', async (t) => {
  const data = await tempDir(t);
  const config = parseConfig({}, 'test');
  await writeInbox(data, 'repo_a/s.jsonl', sliceSource('repo_a', 3)(8));
  await convert(data, config);
  const env = await testEmulator(t);
  const p = await testPipeline(t, env, data);
  await p.settle();

  const ok = await runCli(
    ['compile', '--data-dir', data, '--format', 'chat', '--train-ratio', '0.5', '--seed', '3'],
    { cwd: data },
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^Compiled 8 records from 1 repo folder \(chat format\):/);
  assert.match(
    ok.stdout,
    /5\.final_output\/repo_a\/scenario1_processed_\d{8}_\d{6}\.jsonl +\d+ records?/,
  );
  assert.match(
    ok.stdout,
    /5\.final_output\/train_dataset_\d{8}_\d{6}\.jsonl +\d+ records? \(train\)/,
  );
  assert.match(ok.stdout, /Every slice of the reviewed files has a record/);
  const stats = JSON.parse(
    await readFile(
      join(
        data,
        '5.final_output',
        (await readdir(join(data, '5.final_output'))).find((n) =>
          n.startsWith('dataset_statistics_'),
        )!,
      ),
      'utf8',
    ),
  );
  assert.equal(stats.format, 'chat');
  assert.equal(stats.train_ratio, 0.5);
  assert.equal(stats.seed, 3);

  const out = join(data, 'elsewhere');
  const moved = await runCli(
    [
      'compile',
      '--data-dir',
      data,
      '--output-dir',
      out,
      '--source-data-dir',
      join(data, '2.reviewed_slices'),
      '--batch-output-dir',
      join(data, '4.batch_output'),
    ],
    { cwd: data },
  );
  assert.equal(moved.code, 0, moved.stderr);
  assert.ok((await readdir(out)).some((n) => n.startsWith('train_dataset_')));

  for (const [flags, message] of [
    [['--train-ratio', '1.5'], /--train-ratio must be between 0 and 1/],
    [['--train-ratio', 'abc'], /--train-ratio must be a number/],
    [['--seed', '4.5'], /--seed must be a whole number/],
    [['--format', 'xml'], /--format must be one of alpaca, chat, sharegpt, got "xml"/],
    [['--bogus'], /Unknown option '--bogus'/],
  ] as const) {
    const bad = await runCli(['compile', '--data-dir', data, ...flags], { cwd: data });
    assert.equal(bad.code, 2, `${flags.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, message);
  }
});

test('duplicates, answers without a slice, blank answers; a damaged stage publishes nothing', async (t) => {
  const data = await tempDir(t);
  const config = parseConfig({}, 'test');
  const a = sliceSource('repo_a', 31, 0);
  const slices = a(6);
  const file = 'repo_a/s.jsonl';
  await writeInbox(data, file, [...slices, slices[1]!]);
  await convert(data, config);
  const env = await testEmulator(t);
  const p = await testPipeline(t, env, data);
  await p.settle();
  // A slice appended and converted later; the duplicate line is read again by that conversion.
  const late = a(1)[0]!;
  await writeInbox(data, file, [...slices, slices[1]!, late]);
  await convert(data, config);
  await p.settle();
  // Then removed from the inbox: its answer has no slice.
  await writeInbox(data, file, [...slices, slices[1]!]);
  // And one answer's question made blank.
  const blankId = `scenario1_${slices[3]!.id}`;
  const jobs = [...p.submitter.jobs.values()];
  for (const job of jobs) {
    const path = join(data, job.results_path!);
    const lines = await readJsonl(path);
    for (const line of lines) {
      if (line.custom_id !== blankId) continue;
      const content = JSON.parse(line.response.body.choices[0].message.content);
      line.response.body.choices[0].message.content = JSON.stringify({ ...content, question: ' ' });
    }
    await writeFile(path, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }

  const summary = await compile(data, config);
  const records = await processedRecords(summary);
  assert.deepEqual(
    [...records.keys()].map((k) => k.split('\u0000')[1]).sort(),
    [0, 1, 2, 4, 5].map((i) => `scenario1_${slices[i]!.id}`).sort(),
  );
  const failures = await readJsonl(summary.failures.path);
  assert.deepEqual(
    failures.map((f) => [f.category, f.line, f.slice_id, f.code]),
    [
      ['empty_answer', 4, slices[3]!.id, undefined],
      ['rejected', 7, slices[1]!.id, 'duplicate_id'],
    ],
  );
  assert.equal(failures[0].reason, "the answer's question is blank");
  assert.match(
    failures[1].reason,
    /^duplicate id "repo_a_00001_func" \(first seen in .* line 2\)$/,
  );
  // Without the rejects report, the duplicate is still caught: its answer was taken already.
  await unlink(join(data, '3.batch_input', 'repo_a', 's.rejects.jsonl'));
  const again = await compile(data, config, { outputDir: join(data, 'again') });
  const dup = (await readJsonl(again.failures.path)).find((f) => f.line === 7);
  assert.equal(dup.category, 'rejected');
  assert.equal(dup.code, 'duplicate_id');
  assert.match(dup.reason, /^duplicate id: an earlier line of this repo folder has the same id$/);
  assert.equal(again.records, 5);
  const stats = summary.statistics;
  assert.equal(stats.orphan_results, 1);
  assert.equal(stats.responses_received, 7);
  assert.equal(stats.responses_usable, 7, 'the blank answer is usable by its structure');
  assert.equal(stats.total_records, 5);

  // A results file gone: an error that names it, and no file published.
  const output = join(data, 'broken');
  await unlink(join(data, jobs[0]!.results_path!));
  await assert.rejects(compile(data, config, { outputDir: output, now: T2 }), (err: Error) => {
    assert.match(err.message, /batch_results_batch_\w+\.jsonl: missing: the results of batch/);
    return true;
  });
  assert.deepEqual(await readdir(output).catch(() => []), []);

  // Asked to stop: the same, with the signal's reason.
  await writeFile(join(data, jobs[0]!.results_path!), '');
  const stopped = join(data, 'stopped');
  const controller = new AbortController();
  controller.abort(new Error('asked to stop'));
  await assert.rejects(
    compileDataset({
      paths: dataPaths(data, '.', { finalOutput: stopped }),
      config,
      now: () => T2,
      log: quietLog,
      signal: controller.signal,
    }),
    /asked to stop/,
  );
  assert.deepEqual(await readdir(stopped).catch(() => []), []);
});

test('an answer excluded by a reviewer is left out and reported as excluded_by_reviewer; include undoes it', async (t) => {
  const data = await tempDir(t);
  const config = parseConfig({}, 'test');
  const slices = sliceSource('repo_a', 47, 0)(4);
  await writeInbox(data, 'repo_a/s.jsonl', slices);
  await convert(data, config);
  const env = await testEmulator(t);
  const p = await testPipeline(t, env, data);
  await p.settle();
  const excludedId = `scenario1_${slices[2]!.id}`;
  const journal = await openReviewJournal(join(data, '.slicebatch'));
  const at = new Date().toISOString();
  await journal.append({
    t: 'exclude',
    repo: 'repo_a',
    custom_id: excludedId,
    attempt: 1,
    reason: 'the answer invents a business rule',
    at,
  });
  const summary = await compile(data, config);
  const records = await processedRecords(summary);
  assert.deepEqual(
    [...records.keys()].map((k) => k.split('\u0000')[1]).sort(),
    [0, 1, 3].map((i) => `scenario1_${slices[i]!.id}`).sort(),
  );
  const failures = await readJsonl(summary.failures.path);
  assert.deepEqual(
    failures.map((f) => [f.category, f.custom_id, f.line, f.attempt]),
    [['excluded_by_reviewer', excludedId, 3, 1]],
  );
  assert.equal(
    failures[0].reason,
    `excluded by a reviewer at ${at}: the answer invents a business rule`,
  );
  assert.equal(summary.statistics.failures.by_category.excluded_by_reviewer, 1);
  // Undone: compiled again.
  await journal.append({
    t: 'include',
    repo: 'repo_a',
    custom_id: excludedId,
    attempt: 1,
    reason: 'fine after all',
    at,
  });
  await journal.close();
  const again = await compile(data, config, { outputDir: join(data, 'again') });
  assert.equal(again.records, 4);
  assert.deepEqual(await readJsonl(again.failures.path), []);
});
