/**
 * `slicebatch process`: step 1 (the original scenario_processor.py), once. Reviewed slices → batch input files.
 */
import { relative } from 'node:path';
import { systemClock } from '../../clock.ts';
import { dataPaths } from '../../domain/data-paths.ts';
import type { ConvertSummary } from '../../convert/convert-reviewed-slices.ts';
import { createConvertStep } from '../../daemon/convert-step.ts';
import { threadHelpers } from '../../convert/helper-thread-client.ts';
import { lockDataDir } from '../../storage/data-dir-lock.ts';
import {
  booleanFlag,
  integerFlag,
  stringFlag,
  noPositionals,
  type Command,
  CONFIG_FLAGS,
} from '../command.ts';
import { formatBytes, formatCount, plural, table } from '../../format.ts';
import { createProgressBar } from '../progress-bar.ts';
import { setup } from '../setup.ts';

const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

export const processCommand: Command = {
  name: 'process',
  summary:
    'Convert reviewed slices into Batch API input files (functions → scenario 1, classes → scenario 2).\n' +
    'Slices converted by an earlier run are skipped; bad lines go to a rejects report per input file.\n' +
    'Replaces scenario_processor.py: its folders, file names and flags.',
  flags: {
    'reviewed-dir': {
      type: 'string',
      short: 'r',
      value: 'DIR',
      description: 'reviewed slices (default <data-dir>/2.reviewed_slices)',
    },
    'output-dir': {
      type: 'string',
      short: 'o',
      value: 'DIR',
      description: 'batch input files (default <data-dir>/3.batch_input)',
    },
    'max-scenario1': {
      type: 'string',
      value: 'N',
      description: 'convert at most the first N functions',
    },
    'max-scenario2': {
      type: 'string',
      value: 'N',
      description: 'convert at most the first N classes',
    },
    ...CONFIG_FLAGS,
    quiet: { type: 'boolean', short: 'q', description: 'no progress bar' },
  },
  async run(ctx, args) {
    noPositionals(args, 'process');
    const caps = {
      scenario1: integerFlag(args, 'process', 'max-scenario1'),
      scenario2: integerFlag(args, 'process', 'max-scenario2'),
    };
    const { config, log } = await setup(ctx, args);
    const paths = dataPaths(ctx.cwd, config.data_dir, {
      ...(stringFlag(args, 'reviewed-dir') !== undefined
        ? { reviewed: stringFlag(args, 'reviewed-dir')! }
        : {}),
      ...(stringFlag(args, 'output-dir') !== undefined
        ? { batchInput: stringFlag(args, 'output-dir')! }
        : {}),
    });
    const lock = await lockDataDir(paths.state, paths.dataDir, 'process');
    const bar = booleanFlag(args, 'quiet')
      ? undefined
      : createProgressBar(ctx.stderr, 'converting');
    const helpers = threadHelpers();
    let summary: ConvertSummary;
    try {
      // The daemon's conversion (its intake step's), over every reviewed-slice file.
      summary = await createConvertStep({
        paths,
        config,
        caps,
        helpers: () => helpers,
        now: () => systemClock.now(),
        log: log.child({ component: 'convert' }),
        onProgress: (p) => {
          if (p.bytesTotal >= PROGRESS_MIN_BYTES)
            bar?.update(p.bytesDone, p.bytesTotal, `${formatCount(p.slices)} slices`);
        },
      })();
    } finally {
      bar?.finish();
      await helpers.close();
      await lock.release();
    }
    ctx.stdout.write(describeSummary(summary, ctx.cwd, paths.reviewed));
    return 0;
  },
};

export function describeSummary(summary: ConvertSummary, cwd: string, reviewedDir: string): string {
  const t = summary.totals;
  const out: string[] = [];
  const show = (p: string): string => relative(cwd, p) || '.';
  if (t.files === 0) {
    out.push(`No reviewed-slice files (*.jsonl) in ${show(reviewedDir)}.`);
    return `${out.join('\n')}\n`;
  }
  const convertedTotal = t.converted.scenario1 + t.converted.scenario2;
  out.push(
    `Read ${plural(t.files, 'file')} (${formatBytes(t.bytes)}, ${plural(t.lines, 'line')}): ` +
      `${formatCount(convertedTotal)} slices converted ` +
      `(${formatCount(t.converted.scenario1)} functions → scenario 1, ${formatCount(t.converted.scenario2)} classes → scenario 2).`,
  );
  if (summary.outputs.length > 0) {
    out.push(
      `Wrote ${plural(summary.outputs.length, 'batch input file')} (${formatCount(t.promptTokens)} prompt tokens):`,
    );
    out.push(
      table(
        summary.outputs.map((o) => [
          show(o.path),
          `${formatCount(o.manifest.requests)} requests`,
          formatBytes(o.manifest.bytes),
          `${formatCount(o.manifest.prompt_tokens)} prompt tokens`,
        ]),
      ),
    );
  } else {
    out.push('Wrote no batch input file: nothing new to convert.');
  }
  if (t.rejected > 0) {
    out.push(`Rejected ${plural(t.rejected, 'line')}; every one is explained in its report:`);
    out.push(
      table(
        summary.inputs
          .filter((i) => i.rejectsReport !== undefined)
          .map((i) => [show(i.rejectsReport!), `${plural(i.rejected, 'line')} of ${i.file}`]),
      ),
    );
  } else {
    out.push('Rejected no line.');
  }
  if (t.alreadyConverted > 0) {
    out.push(`Skipped ${plural(t.alreadyConverted, 'slice')} already converted by an earlier run.`);
  }
  if (t.overCap > 0) {
    out.push(`Left ${plural(t.overCap, 'slice')} unconverted over the --max-scenario1/2 caps.`);
  }
  return `${out.join('\n')}\n`;
}
