/**
 * `slicebatch process`: step 1 (the original scenario_processor.py), once. Reviewed slices → batch input files.
 * The conversion's modules are loaded once the helper thread is started (process-run.ts):
 * the thread boots on the second core meanwhile.
 */
import { spawnHelperThread } from '../../convert/helper-thread-spawn.ts';
import { CONFIG_FLAGS, noPositionals, type Command } from '../command.ts';
import type { runProcess as RunProcess } from './process-run.ts';

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
    const worker = spawnHelperThread();
    let runProcess: typeof RunProcess;
    try {
      ({ runProcess } = await import('./process-run.ts'));
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    return runProcess(ctx, args, worker);
  },
};
