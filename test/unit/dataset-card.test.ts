import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import {
  cardConfigs,
  datasetCard,
  sizeCategory,
  type CardInput,
  type CardSplit,
} from '../../src/compile/dataset-card.ts';
import { createStatistics } from '../../src/compile/dataset-statistics.ts';
import { RUN_START } from '../support/test-time.ts';

function frontMatter(card: string): any {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(card);
  assert.ok(m, 'the card starts with YAML front matter');
  return parse(m[1]!);
}

const split = (name: 'train' | 'validation', parquet: boolean): CardSplit => ({
  name,
  examples: name === 'train' ? 8 : 2,
  bytes: 1000,
  jsonl: `data/${name}-00000-of-00001.jsonl`,
  parquet: parquet ? `data/${name}-00000-of-00001.parquet` : undefined,
});

function input(splits: CardSplit[], format: CardInput['format'] = 'chat'): CardInput {
  const stats = createStatistics();
  for (let i = 0; i < 10; i++) stats.record('repo: "a"', 'scenario1', 3);
  stats.failure('over_token_limit');
  return {
    format,
    license: 'apache-2.0',
    splits,
    statistics: stats.result({
      generatedAt: RUN_START,
      format,
      trainRatio: 0.8,
      seed: 42,
      train: 8,
      val: 2,
    }),
    models: ['gpt-4o-mini-2024-07-18'],
    providers: ['openai'],
    promptHashes: { scenario1: 'a'.repeat(64), scenario2: 'b'.repeat(64) },
    sourceFiles: ['train_dataset_x.jsonl'],
  };
}

test('the card’s YAML parses and says license, size, configs, features, splits', () => {
  for (const format of ['alpaca', 'chat', 'sharegpt'] as const) {
    const card = datasetCard(input([split('train', true), split('validation', true)], format));
    const y = frontMatter(card);
    assert.equal(y.license, 'apache-2.0');
    assert.deepEqual(y.size_categories, ['n<1K']);
    assert.deepEqual(
      y.configs.map((c: any) => c.config_name),
      ['default', 'jsonl'],
    );
    assert.deepEqual(y.configs[0].data_files, [
      { split: 'train', path: 'data/train-00000-of-00001.parquet' },
      { split: 'validation', path: 'data/validation-00000-of-00001.parquet' },
    ]);
    assert.deepEqual(y.configs[1].data_files, [
      { split: 'train', path: 'data/train-00000-of-00001.jsonl' },
      { split: 'validation', path: 'data/validation-00000-of-00001.jsonl' },
    ]);
    assert.equal(y.dataset_info.length, 2);
    assert.deepEqual(y.dataset_info[0].splits, [
      { name: 'train', num_bytes: 1000, num_examples: 8 },
      { name: 'validation', num_bytes: 1000, num_examples: 2 },
    ]);
    const top = y.dataset_info[0].features.map((f: any) => f.name);
    assert.deepEqual(
      top,
      {
        alpaca: ['instruction', 'input', 'output', 'metadata'],
        chat: ['messages'],
        sharegpt: ['conversations'],
      }[format],
    );
    // How it was made: the date of the run's clock, the models, the prompt hashes, the counts.
    assert.ok(card.includes(RUN_START.toISOString()));
    assert.ok(card.includes('gpt-4o-mini-2024-07-18'));
    assert.ok(card.includes('a'.repeat(64)));
    assert.ok(card.includes('over_token_limit 1'));
  }
  const chat = frontMatter(datasetCard(input([split('train', false)]))).dataset_info[0];
  assert.deepEqual(chat.features, [
    {
      name: 'messages',
      list: [
        { name: 'role', dtype: 'string' },
        { name: 'content', dtype: 'string' },
      ],
    },
  ]);
});

test('configs never mix formats: Parquet is the default only when every split has it', () => {
  const both = [split('train', false), split('validation', false)];
  assert.deepEqual(
    cardConfigs(both).map(([n]) => n),
    ['default'],
  );
  const partial = [split('train', true), split('validation', false)];
  assert.deepEqual(cardConfigs(partial), [
    [
      'default',
      [
        ['train', 'data/train-00000-of-00001.jsonl'],
        ['validation', 'data/validation-00000-of-00001.jsonl'],
      ],
    ],
    ['parquet', [['train', 'data/train-00000-of-00001.parquet']]],
  ]);
  assert.deepEqual(cardConfigs([]), []);
  // No records: a card without configs that still parses.
  const y = frontMatter(datasetCard(input([])));
  assert.equal(y.configs, undefined);
  assert.equal(y.dataset_info[0].config_name, 'default');
});

test('size categories follow the Hub’s bands', () => {
  assert.equal(sizeCategory(0), 'n<1K');
  assert.equal(sizeCategory(999), 'n<1K');
  assert.equal(sizeCategory(1000), '1K<n<10K');
  assert.equal(sizeCategory(250_000), '100K<n<1M');
  assert.equal(sizeCategory(1_000_000), '1M<n<10M');
});

test('the card names the batch API that answered: OpenAI, Anthropic, or both', () => {
  const line = (card: string): string =>
    card.split('\n').find((l) => l.startsWith('- Answers by:')) ?? '';
  const base = input([split('train', false)]);
  assert.equal(line(datasetCard(base)), '- Answers by: gpt-4o-mini-2024-07-18 (OpenAI Batch API).');
  assert.equal(
    line(datasetCard({ ...base, models: ['claude-sonnet-4-5'], providers: ['anthropic'] })),
    '- Answers by: claude-sonnet-4-5 (Anthropic Message Batches API).',
  );
  assert.equal(
    line(
      datasetCard({
        ...base,
        models: ['claude-sonnet-4-5', 'gpt-4o-mini'],
        providers: ['anthropic', 'openai'],
      }),
    ),
    '- Answers by: claude-sonnet-4-5, gpt-4o-mini (Anthropic Message Batches API, OpenAI Batch API).',
  );
  assert.equal(
    line(datasetCard({ ...base, models: [], providers: [] })),
    '- Answers by: none yet.',
  );
});
