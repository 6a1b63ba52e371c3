/**
 * `slicebatch compile`: step 4 (the original dataset_compiler.py). The results of finished batches → the dataset in
 * 5.final_output: processed records per repo folder and scenario, a stable train/validation
 * split, statistics, a review summary, and a report of every slice without a usable result.
 */
import { relative } from 'node:path';
import { dataPaths } from '../../domain/data-paths.ts';
import { systemClock } from '../../clock.ts';
import type { CompileSummary } from '../../compile/compile-dataset.ts';
import { createCompileStep } from '../../daemon/compile-step.ts';
import { DATASET_FORMATS, type DatasetFormat } from '../../compile/record-format.ts';
import { UsageError } from '../../errors.ts';
import {
  CONFIG_FLAGS,
  noPositionals,
  numberFlag,
  stringFlag,
  type Command,
  type ParsedFlags,
} from '../command.ts';
import { formatCount, plural, table } from '../../format.ts';
import { setup } from '../setup.ts';

function trainRatioFlag(args: ParsedFlags): number | undefined {
  const ratio = numberFlag(args, 'compile', 'train-ratio');
  if (ratio !== undefined && !(ratio > 0 && ratio < 1)) {
    throw new UsageError(
      `slicebatch compile: --train-ratio must be between 0 and 1 (exclusive), got ${stringFlag(args, 'train-ratio')}`,
    );
  }
  return ratio;
}

function seedFlag(args: ParsedFlags): number | undefined {
  const raw = stringFlag(args, 'seed');
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(
      `slicebatch compile: --seed must be a whole number, got ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw);
}

function formatFlag(args: ParsedFlags): DatasetFormat | undefined {
  const raw = stringFlag(args, 'format');
  if (raw === undefined) return undefined;
  if (!(DATASET_FORMATS as readonly string[]).includes(raw)) {
    throw new UsageError(
      `slicebatch compile: --format must be one of ${DATASET_FORMATS.join(', ')}, got ${JSON.stringify(raw)}`,
    );
  }
  return raw as DatasetFormat;
}

export const compileCommand: Command = {
  name: 'compile',
  summary:
    'Compile the results of finished batches into the dataset (as dataset_compiler.py): processed\n' +
    'records per repo folder and scenario, a stable train/validation split, statistics, a review\n' +
    'summary, and a report of every slice without a usable result and why.',
  flags: {
    'output-dir': {
      type: 'string',
      value: 'DIR',
      description: 'the dataset (default <data-dir>/5.final_output)',
    },
    'source-data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'reviewed slices (default <data-dir>/2.reviewed_slices)',
    },
    'batch-output-dir': {
      type: 'string',
      value: 'DIR',
      description: 'job files and results (default <data-dir>/4.batch_output)',
    },
    'train-ratio': {
      type: 'string',
      value: 'R',
      description:
        'share of records for training, between 0 and 1 (default compile.train_ratio, 0.8)',
    },
    seed: {
      type: 'string',
      value: 'N',
      description:
        'seed of the split and of the order of the split files (default compile.seed, 42)',
    },
    format: {
      type: 'string',
      value: 'alpaca|chat|sharegpt',
      description: 'record format (default compile.format, alpaca)',
    },
    ...CONFIG_FLAGS,
  },
  async run(ctx, args) {
    noPositionals(args, 'compile');
    const trainRatio = trainRatioFlag(args);
    const seed = seedFlag(args);
    const format = formatFlag(args);
    const { config, log } = await setup(ctx, args);
    const override = (flag: string) => stringFlag(args, flag);
    const paths = dataPaths(ctx.cwd, config.data_dir, {
      ...(override('output-dir') !== undefined ? { finalOutput: override('output-dir')! } : {}),
      ...(override('source-data-dir') !== undefined
        ? { reviewed: override('source-data-dir')! }
        : {}),
      ...(override('batch-output-dir') !== undefined
        ? { batchOutput: override('batch-output-dir')! }
        : {}),
    });
    // The daemon's compile step, without its removal of older sets.
    const summary = await createCompileStep({
      paths,
      config,
      format,
      trainRatio,
      seed,
      clock: systemClock,
      log: log.child({ component: 'compile' }),
    })();
    ctx.stdout.write(describeCompile(summary, ctx.cwd));
    return 0;
  },
};

export function describeCompile(summary: CompileSummary, cwd: string): string {
  const show = (p: string): string => relative(cwd, p) || '.';
  const out: string[] = [];
  const repos = new Set(summary.processed.map((p) => p.repo)).size;
  out.push(
    `Compiled ${plural(summary.records, 'record')} from ${plural(repos, 'repo folder')} (${summary.format} format):`,
  );
  const rows = summary.processed.map((p) => [show(p.path), plural(p.records, 'record')]);
  rows.push([show(summary.train.path), `${plural(summary.train.records, 'record')} (train)`]);
  rows.push([show(summary.val.path), `${plural(summary.val.records, 'record')} (validation)`]);
  out.push(table(rows));
  const rate = summary.statistics.parse_success_rate;
  out.push(
    `Statistics: ${show(summary.statisticsPath)} (parse success rate ${rate === null ? 'n/a' : `${(rate * 100).toFixed(2)} %`}); summary: ${show(summary.summaryPath)}.`,
  );
  const hf = summary.hfDataset;
  out.push(
    `Hugging Face layout: ${show(hf.path)}/ (dataset card README.md${hf.parquet.length > 0 ? `; Parquet: ${hf.parquet.join(', ')}` : ''}).`,
  );
  const f = summary.failures;
  if (f.records === 0) {
    out.push(`Every slice of the reviewed files has a record (${show(f.path)} is empty).`);
  } else {
    const parts = Object.entries(f.byCategory)
      .filter(([, n]) => n > 0)
      .map(([c, n]) => `${formatCount(n)} ${c}`);
    out.push(
      `${plural(f.records, 'slice')} without a usable result (${parts.join(', ')}): ${show(f.path)}.`,
    );
  }
  for (const n of summary.notCompiled) {
    out.push(
      `Not compiled: inbox folder ${n.folder} cannot be read (${n.reason}); its slices are left out of this set.`,
    );
  }
  return `${out.join('\n')}\n`;
}
