/**
 * The dataset card of the Hugging Face folder (`hf_dataset_<ts>/README.md`): YAML front matter
 * that `datasets.load_dataset` and the Hub read (license, size category, configs with the data
 * files of each split, features, split sizes), then how the dataset was made. Pure.
 *
 * The layout follows the Hub's documentation: "Manual Configuration" (the `configs` field,
 * `data_files` per split) and "File names and splits" (`data/<split>-00000-of-00001.<ext>`).
 * One config per file format: `default` is Parquet when every split has a Parquet file, else
 * JSONL; the other format, when there are files of it, is a second config (`jsonl` or
 * `parquet`), so that no config mixes formats (the loader takes one format per config).
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { DatasetFormat } from '../domain/dataset-formats.ts';
import type { DatasetStatistics } from './dataset-statistics.ts';

export const HF_SPLITS = ['train', 'validation'] as const;
export type HfSplit = (typeof HF_SPLITS)[number];

export interface CardSplit {
  readonly name: HfSplit;
  readonly examples: number;
  /** Bytes of its JSONL file. */
  readonly bytes: number;
  /** Its files, relative to the folder (forward slashes). */
  readonly jsonl: string;
  readonly parquet?: string | undefined;
}

export interface CardInput {
  readonly format: DatasetFormat;
  readonly license: string;
  /** Splits with at least one record (an empty split has no file). */
  readonly splits: readonly CardSplit[];
  readonly statistics: DatasetStatistics;
  /** The models that answered (the batches compiled), sorted. */
  readonly models: readonly string[];
  /** Whose batch APIs answered (the batches' `provider`: `openai`, `anthropic`, ...), sorted. */
  readonly providers: readonly string[];
  /** sha256 of each scenario's prompts (system prompt and template) as configured. */
  readonly promptHashes: Readonly<Record<string, string>>;
  /** The original compiler's files of the same run, for the reader. */
  readonly sourceFiles: readonly string[];
}

const BATCH_APIS: Readonly<Record<string, string>> = {
  openai: 'OpenAI Batch API',
  azure: 'Azure OpenAI Batch API',
  openai_compatible: 'an OpenAI-compatible Batch API',
  anthropic: 'Anthropic Message Batches API',
};

const batchApiName = (provider: string): string => BATCH_APIS[provider] ?? provider;

type Feature = { name: string } & ({ dtype: string } | { list: Feature[] } | { struct: Feature[] });

const string = (name: string): Feature => ({ name, dtype: 'string' });

const METADATA_FEATURES: Feature[] = [
  string('custom_id'),
  string('scenario'),
  string('repo'),
  string('slice_id'),
  string('file_path'),
  string('name'),
  string('complexity'),
  { name: 'attempt', dtype: 'int64' },
  string('batch_id'),
  string('requirement'),
  string('reasoning_summary'),
];

/** The features of the split files of each format (the Parquet columns, parquet-file.ts). */
export const CARD_FEATURES: Record<DatasetFormat, Feature[]> = {
  alpaca: [
    string('instruction'),
    string('input'),
    string('output'),
    { name: 'metadata', struct: METADATA_FEATURES },
  ],
  chat: [{ name: 'messages', list: [string('role'), string('content')] }],
  sharegpt: [{ name: 'conversations', list: [string('from'), string('value')] }],
};

/** The Hub's size categories. */
export function sizeCategory(n: number): string {
  const bands: [number, string][] = [
    [1_000, 'n<1K'],
    [10_000, '1K<n<10K'],
    [100_000, '10K<n<100K'],
    [1_000_000, '100K<n<1M'],
    [10_000_000, '1M<n<10M'],
    [100_000_000, '10M<n<100M'],
    [1_000_000_000, '100M<n<1B'],
  ];
  for (const [limit, name] of bands) if (n < limit) return name;
  return 'n>1T';
}

const q = (s: string): string => JSON.stringify(s);

function featureLines(features: readonly Feature[], indent: string): string[] {
  const out: string[] = [];
  for (const f of features) {
    out.push(`${indent}- name: ${q(f.name)}`);
    if ('dtype' in f) out.push(`${indent}  dtype: ${q(f.dtype)}`);
    else if ('list' in f) out.push(`${indent}  list:`, ...featureLines(f.list, `${indent}  `));
    else out.push(`${indent}  struct:`, ...featureLines(f.struct, `${indent}  `));
  }
  return out;
}

/** The configs: [name, files by split]. */
export function cardConfigs(splits: readonly CardSplit[]): [string, [HfSplit, string][]][] {
  if (splits.length === 0) return [];
  const jsonl = splits.map((s): [HfSplit, string] => [s.name, s.jsonl]);
  const parquet = splits.flatMap((s): [HfSplit, string][] =>
    s.parquet === undefined ? [] : [[s.name, s.parquet]],
  );
  if (parquet.length === splits.length) {
    return [
      ['default', parquet],
      ['jsonl', jsonl],
    ];
  }
  return parquet.length === 0
    ? [['default', jsonl]]
    : [
        ['default', jsonl],
        ['parquet', parquet],
      ];
}

const n = (x: number): string => x.toLocaleString('en-US');

export function datasetCard(input: CardInput): string {
  const { statistics: stats } = input;
  const yaml = [
    '---',
    `license: ${q(input.license)}`,
    'task_categories:',
    `- ${q('text-generation')}`,
    'tags:',
    `- ${q('code')}`,
    `- ${q('synthetic')}`,
    `- ${q(input.format)}`,
    'size_categories:',
    `- ${q(sizeCategory(stats.total_records))}`,
  ];
  const configs = cardConfigs(input.splits);
  if (configs.length > 0) {
    yaml.push('configs:');
    for (const [name, files] of configs) {
      yaml.push(`- config_name: ${q(name)}`);
      yaml.push('  data_files:');
      for (const [split, path] of files)
        yaml.push(`  - split: ${q(split)}`, `    path: ${q(path)}`);
    }
  }
  // One dataset_info per config (the same features and splits: the same records).
  yaml.push('dataset_info:');
  for (const name of configs.length === 0 ? ['default'] : configs.map(([c]) => c)) {
    yaml.push(
      `- config_name: ${q(name)}`,
      '  features:',
      ...featureLines(CARD_FEATURES[input.format], '  '),
    );
    if (input.splits.length > 0) {
      yaml.push('  splits:');
      for (const s of input.splits) {
        yaml.push(
          `  - name: ${q(s.name)}`,
          `    num_bytes: ${s.bytes}`,
          `    num_examples: ${s.examples}`,
        );
      }
    }
  }
  yaml.push('---');

  const body = [
    '',
    '# Code reasoning dataset',
    '',
    `Compiled by slicebatch at ${stats.generated_at} in the ${input.format} format: ` +
      `${n(stats.total_records)} records (${n(stats.train_records)} train, ${n(stats.val_records)} validation; ` +
      `train ratio ${stats.train_ratio}, seed ${stats.seed}). Scenario 1 (functions: a question and ` +
      `its reasoned answer): ${n(stats.by_scenario.scenario1)}; scenario 2 (classes: a design ` +
      `exercise on a new requirement): ${n(stats.by_scenario.scenario2)}.`,
    '',
    '## How it was made',
    '',
    `- Answers by: ${input.models.length === 0 ? 'none yet' : input.models.join(', ')}` +
      (input.providers.length === 0 ? '.' : ` (${input.providers.map(batchApiName).join(', ')}).`),
    ...Object.entries(input.promptHashes).map(
      ([scenario, hash]) =>
        `- Prompts of ${scenario} (sha256 of system prompt and template): \`${hash}\``,
    ),
    `- Responses received: ${n(stats.responses_received)}, usable: ${n(stats.responses_usable)}.`,
    `- Slices without a record: ${n(stats.failures.total)}` +
      (stats.failures.total === 0
        ? '.'
        : ` (${Object.entries(stats.failures.by_category)
            .filter(([, c]) => c > 0)
            .map(([k, c]) => `${k} ${n(c)}`)
            .join(', ')}).`),
  ];
  const ft = stats.fine_tuning;
  if (ft !== undefined) {
    body.push(
      `- OpenAI's fine-tuning checks for ${ft.model} (at most ${n(ft.max_tokens_per_example)} tokens per example): ` +
        `${n(ft.examples_checked)} checked, ${n(ft.examples_kept)} kept, ${n(ft.over_token_limit)} over the limit; ` +
        `${n(ft.billing_tokens_per_epoch)} training tokens per epoch.`,
    );
  }
  body.push(
    '',
    '## Files',
    '',
    ...configs.map(
      ([name, files]) =>
        `- config \`${name}\`: ${files.map(([split, path]) => `${split} \`${path}\``).join(', ')}`,
    ),
    `- beside this folder, the same run's files: ${input.sourceFiles.map((f) => `\`${f}\``).join(', ')}`,
    '',
    '```python',
    'from datasets import load_dataset',
    'dataset = load_dataset("path/to/this/folder")',
    '```',
    '',
  );
  return [...yaml, ...body].join('\n');
}

/** sha256 of each scenario's system prompt and template, as configured. */
export function promptHashes(config: Config): Record<string, string> {
  const out: Record<string, string> = {};
  for (const scenario of ['scenario1', 'scenario2'] as const) {
    const { system_prompt, prompt_template } = config.scenarios[scenario];
    out[scenario] = createHash('sha256')
      .update(JSON.stringify({ system_prompt, prompt_template }))
      .digest('hex');
  }
  return out;
}
