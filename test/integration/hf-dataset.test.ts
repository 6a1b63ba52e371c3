/**
 * The Hugging Face folder of a compilation: the Parquet files read back by an independent
 * reader (hyparquet, not the DuckDB writer) equal the JSONL split files record for record; the
 * card's YAML parses and names every data file; the chat format's fine-tuning checks leave out
 * the examples over the token limit and report them; sharegpt holds the same turns.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { parse } from 'yaml';
import { compileDataset } from '../../src/compile/compile-dataset.ts';
import { writeHfDataset } from '../../src/compile/hf-dataset.ts';
import { pruneCompiledSets } from '../../src/compile/prune-compiled-sets.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { DatasetFormat } from '../../src/compile/record-format.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { dataPaths } from '../../src/domain/data-paths.ts';
import { createTokenCounter } from '../../src/domain/token-counter.ts';
import { convert, quietLog, readJsonl, sliceSource, writeInbox } from '../support/dataset.ts';
import { testEmulator } from '../support/emulator.ts';
import { testPipeline } from '../support/pipeline.ts';
import { tempDir } from '../support/temp-dir.ts';
import { RUN_START } from '../support/test-time.ts';

async function answeredData(t: TestContext): Promise<string> {
  const data = await tempDir(t);
  await writeInbox(data, 'repo_a/one.jsonl', sliceSource('repo_a', 3)(24));
  await writeInbox(data, 'top.jsonl', sliceSource('repo_top', 4)(9));
  await convert(data, parseConfig({}, 'test'));
  const p = await testPipeline(t, await testEmulator(t), data);
  await p.settle();
  return data;
}

function compile(data: string, config: Config, format: DatasetFormat, out: string) {
  return compileDataset({
    paths: dataPaths(data, '.', { finalOutput: join(data, out) }),
    config,
    format,
    now: () => RUN_START,
    log: quietLog,
  });
}

/** A value as the JSONL has it: Parquet's int64 as a number, its nulls for absent keys dropped. */
function asJson(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(asJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, asJson(v)]),
    );
  }
  return value;
}

async function readParquet(path: string): Promise<unknown[]> {
  const file = await asyncBufferFromFile(path);
  return (await parquetReadObjects({ file })).map(asJson);
}

/** Every file under `dir`, relative, with forward slashes. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    if ((await stat(join(dir, entry))).isFile()) out.push(entry.split('\\').join('/'));
  }
  return out.sort();
}

function cardOf(text: string): any {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  assert.ok(m, 'the card starts with YAML front matter');
  return parse(m[1]!);
}

test('Parquet read back by an independent reader equals the JSONL; the card names every file', async (t) => {
  const data = await answeredData(t);
  const config = parseConfig({ compile: { parquet: true, license: 'mit' } }, 'test');
  for (const format of ['alpaca', 'chat', 'sharegpt'] as const) {
    const summary = await compile(data, config, format, format);
    const hf = summary.hfDataset.path;
    assert.equal(hf, join(data, format, `hf_dataset_${summary.timestamp}`));
    assert.deepEqual(summary.hfDataset.parquet, ['train', 'validation']);
    assert.ok(summary.train.records > 0 && summary.val.records > 0);

    for (const [split, source] of [
      ['train', summary.train],
      ['validation', summary.val],
    ] as const) {
      const jsonl = await readJsonl(source.path);
      assert.equal(jsonl.length, source.records);
      // The folder's JSONL is the split file itself.
      assert.equal(
        await readFile(join(hf, `data/${split}-00000-of-00001.jsonl`), 'utf8'),
        await readFile(source.path, 'utf8'),
      );
      const rows = await readParquet(join(hf, `data/${split}-00000-of-00001.parquet`));
      assert.equal(rows.length, jsonl.length, `${format} ${split}: rows`);
      for (let i = 0; i < rows.length; i++) {
        assert.deepEqual(rows[i], jsonl[i], `${format} ${split}: record ${i}`);
      }
    }

    const card = cardOf(await readFile(join(hf, 'README.md'), 'utf8'));
    assert.equal(card.license, 'mit');
    assert.deepEqual(card.size_categories, ['n<1K']);
    const named = new Set<string>();
    for (const c of card.configs) for (const f of c.data_files) named.add(f.path);
    const files = await filesUnder(hf);
    assert.deepEqual(files, ['README.md', ...[...named].sort()], 'every data file is named');
    assert.deepEqual(files, [...summary.hfDataset.files].sort());
    const def = card.configs.find((c: any) => c.config_name === 'default');
    assert.deepEqual(def.data_files, [
      { split: 'train', path: 'data/train-00000-of-00001.parquet' },
      { split: 'validation', path: 'data/validation-00000-of-00001.parquet' },
    ]);
    assert.deepEqual(
      card.dataset_info[0].splits.map((s: any) => [s.name, s.num_examples]),
      [
        ['train', summary.train.records],
        ['validation', summary.val.records],
      ],
    );
    const md = await readFile(summary.summaryPath, 'utf8');
    assert.ok(md.includes(`hf_dataset_${summary.timestamp}/`));
  }
});

test('without compile.parquet the folder holds the JSONL splits only; a list makes Parquet of those', async (t) => {
  const data = await answeredData(t);
  const plain = await compile(data, parseConfig({}, 'test'), 'chat', 'plain');
  assert.deepEqual(await filesUnder(plain.hfDataset.path), [
    'README.md',
    'data/train-00000-of-00001.jsonl',
    'data/validation-00000-of-00001.jsonl',
  ]);
  const card = cardOf(await readFile(join(plain.hfDataset.path, 'README.md'), 'utf8'));
  assert.deepEqual(
    card.configs.map((c: any) => c.config_name),
    ['default'],
  );
  const some = await compile(
    data,
    parseConfig({ compile: { parquet: ['train'] } }, 'test'),
    'chat',
    'some',
  );
  assert.deepEqual(some.hfDataset.parquet, ['train']);
  const c2 = cardOf(await readFile(join(some.hfDataset.path, 'README.md'), 'utf8'));
  assert.deepEqual(
    c2.configs.map((c: any) => [c.config_name, c.data_files.length]),
    [
      ['default', 2],
      ['parquet', 1],
    ],
  );
});

test('chat: examples over the token limit are reported, not kept; the checks are in the statistics', async (t) => {
  const data = await answeredData(t);
  const all = await compile(data, parseConfig({}, 'test'), 'chat', 'all');
  const ft = all.statistics.fine_tuning!;
  assert.equal(ft.model, 'gpt-4o-mini-2024-07-18');
  assert.equal(ft.max_tokens_per_example, 65_536);
  assert.equal(ft.examples_checked, all.records);
  assert.equal(ft.examples_kept, all.records);
  assert.equal(ft.over_token_limit, 0);
  assert.deepEqual(Object.values(ft.format_errors), [0, 0, 0, 0, 0, 0, 0]);

  // Each example's tokens counted here by the tokenizer itself; the limit between the extremes.
  const counter = await createTokenCounter('o200k_base');
  const tokens = new Map<string, number>();
  for (const p of all.processed) {
    for (const r of await readJsonl(p.path)) {
      tokens.set(r.metadata.custom_id, await counter.exactChatTokens(r.messages));
    }
  }
  const sorted = [...tokens.values()].sort((a, b) => a - b);
  assert.equal(ft.tokens_per_example!.min, sorted[0]);
  assert.equal(ft.tokens_per_example!.max, sorted.at(-1));
  const limit = sorted[Math.floor(sorted.length / 2)]!;
  const over = [...tokens].filter(([, n]) => n > limit).map(([id]) => id);
  assert.ok(over.length > 0 && over.length < tokens.size);

  const cut = await compile(
    data,
    parseConfig({ compile: { format: 'chat', max_example_tokens: limit } }, 'test'),
    'chat',
    'cut',
  );
  assert.equal(cut.records, all.records - over.length);
  assert.equal(cut.statistics.fine_tuning!.over_token_limit, over.length);
  assert.equal(cut.failures.byCategory.over_token_limit, over.length);
  const reported = (await readJsonl(cut.failures.path)).filter(
    (f) => f.category === 'over_token_limit',
  );
  assert.deepEqual(reported.map((f) => f.custom_id).sort(), over.sort());
  for (const f of reported) {
    assert.match(
      f.reason,
      new RegExp(`has ${tokens.get(f.custom_id)} tokens, over the ${limit}-token`),
    );
    assert.ok(f.batch_id && f.attempt === 1 && f.file && f.line > 0);
  }
  const kept = new Set<string>();
  for (const p of cut.processed)
    for (const r of await readJsonl(p.path)) kept.add(r.metadata.custom_id);
  for (const id of over) assert.ok(!kept.has(id), `${id} not kept`);
  const split = [...(await readJsonl(cut.train.path)), ...(await readJsonl(cut.val.path))];
  assert.equal(split.length, cut.records);
  for (const r of split) assert.ok((await counter.exactChatTokens(r.messages)) <= limit);

  const stats = JSON.parse(await readFile(cut.statisticsPath, 'utf8'));
  assert.equal(stats.fine_tuning.over_token_limit, over.length);
  const md = await readFile(cut.summaryPath, 'utf8');
  assert.match(md, new RegExp(`${over.length} over the limit`));
  assert.match(md, new RegExp(`- over_token_limit: ${over.length} `));
});

test('sharegpt: the chat turns as from/value; alpaca has no fine-tuning checks', async (t) => {
  const data = await answeredData(t);
  const chat = await compile(data, parseConfig({}, 'test'), 'chat', 'chat');
  const share = await compile(data, parseConfig({}, 'test'), 'sharegpt', 'share');
  const alpaca = await compile(data, parseConfig({}, 'test'), 'alpaca', 'alpaca');
  assert.equal(alpaca.statistics.fine_tuning, undefined);
  const chatLines = await readJsonl(chat.train.path);
  const shareLines = await readJsonl(share.train.path);
  assert.equal(shareLines.length, chatLines.length);
  const from: Record<string, string> = { system: 'system', user: 'human', assistant: 'gpt' };
  for (let i = 0; i < chatLines.length; i++) {
    assert.deepEqual(Object.keys(shareLines[i]), ['conversations']);
    assert.deepEqual(
      shareLines[i].conversations,
      chatLines[i].messages.map((m: any) => ({ from: from[m.role], value: m.content })),
    );
  }
  for (const p of share.processed) {
    for (const r of await readJsonl(p.path)) {
      assert.deepEqual(Object.keys(r), ['conversations', 'metadata']);
    }
  }
});

test('the daemon’s pruning removes the Hugging Face folder with its set', async (t) => {
  const dir = await tempDir(t);
  const sets = ['20260101_000000', '20260102_000000', '20260103_000000'];
  for (const ts of sets) {
    await writeFile(join(dir, `train_dataset_${ts}.jsonl`), '');
    await mkdir(join(dir, `hf_dataset_${ts}`, 'data'), { recursive: true });
    await writeFile(join(dir, `hf_dataset_${ts}`, 'README.md'), '');
    await writeFile(join(dir, `hf_dataset_${ts}`, 'data', 'train-00000-of-00001.jsonl'), '');
  }
  await mkdir(join(dir, 'hf_dataset_mine'));
  assert.deepEqual(await pruneCompiledSets(dir, 1), [sets[1], sets[0]]);
  assert.deepEqual((await readdir(dir)).sort(), [
    `hf_dataset_${sets[2]}`,
    'hf_dataset_mine',
    `train_dataset_${sets[2]}.jsonl`,
  ]);
});

test('a split that cannot be written as Parquet is said in the log and left out; the rest is published', async (t) => {
  const dir = await tempDir(t);
  const train = join(dir, 'train.jsonl');
  const val = join(dir, 'val.jsonl');
  await writeFile(train, '{"messages":[]}\n{"messages":[]}\n');
  await writeFile(val, '{"messages":[]}\n');
  const lines: string[] = [];
  const log = await createLogger({
    level: 'warn',
    stream: { write: (l: string) => lines.push(l) },
  });
  const all = await compile(await answeredData(t), parseConfig({}, 'test'), 'chat', 'out');
  const hf = await writeHfDataset({
    outDir: dir,
    ts: '20260101_000000',
    format: 'chat',
    splits: { train: { path: train, records: 2 }, validation: { path: val, records: 1 } },
    parquet: true,
    card: {
      license: 'mit',
      statistics: all.statistics,
      models: [],
      providers: [],
      promptHashes: {},
      sourceFiles: [],
    },
    log,
    writeParquet: async (_from, to, _format) => {
      if (to.includes('validation')) {
        await writeFile(to, 'half a file');
        throw new Error('No space left on device');
      }
      await writeFile(to, 'PAR1');
      return 2;
    },
  });
  await hf.publish();
  assert.deepEqual(hf.parquet, ['train']);
  assert.deepEqual(await filesUnder(hf.path), [
    'README.md',
    'data/train-00000-of-00001.jsonl',
    'data/train-00000-of-00001.parquet',
    'data/validation-00000-of-00001.jsonl',
  ]);
  const card = cardOf(await readFile(join(hf.path, 'README.md'), 'utf8'));
  assert.deepEqual(
    card.configs.map((c: any) => c.config_name),
    ['default', 'parquet'],
  );
  assert.ok(
    lines.some((l) => /validation split could not be written as Parquet.*No space left/.test(l)),
  );
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.startsWith('.')),
    [],
    'no temporary folder left',
  );
});
