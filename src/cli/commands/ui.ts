/**
 * `slicebatch ui`: the review page of a data folder, whether its daemon runs or not. It reads
 * the stage files and writes only the review journal (`.slicebatch/review.jsonl`: exclusions,
 * which compile honours; resends, which the daemon carries out at its next poll) and its
 * search index. The daemon serves the same page on `http.listen`.
 */
import { dataPaths } from '../../domain/data-paths.ts';
import { startReviewListener } from '../../review/review-listener.ts';
import { join } from 'node:path';
import { buildIndex, INDEX_FILE } from '../../review/slice-index.ts';
import { booleanFlag, CONFIG_FLAGS, noPositionals, stringFlag, type Command } from '../command.ts';
import { setup } from '../setup.ts';

export const DEFAULT_UI_LISTEN = '127.0.0.1:9465';

export const uiCommand: Command = {
  name: 'ui',
  summary:
    'Serve the review page of the data folder (overview, slices, exclude or resend), whether the\n' +
    'daemon runs or not; decisions are journaled for compile and the daemon.',
  longRunning: true,
  flags: {
    ...CONFIG_FLAGS,
    'build-index': {
      type: 'boolean',
      description:
        'build the search index (.slicebatch/review-index.sqlite) now, print its size, and exit',
    },
    listen: {
      type: 'string',
      value: 'HOST:PORT',
      description: `where to listen (default ${DEFAULT_UI_LISTEN}; off loopback, http.token_file is required)`,
    },
  },
  async run(ctx, args) {
    noPositionals(args, 'ui');
    const { config, log } = await setup(ctx, args);
    const paths = dataPaths(ctx.cwd, config.data_dir);
    if (booleanFlag(args, 'build-index')) {
      const built = await buildIndex(paths, join(paths.state, INDEX_FILE));
      ctx.stdout.write(
        `review index of ${paths.dataDir}: ${built.slices} reviewed lines, ${built.requests} requests, ${built.answers} answers, built in ${(built.ms / 1000).toFixed(1)} s\n`,
      );
      return 0;
    }
    const listener = await startReviewListener({
      listen: stringFlag(args, 'listen') ?? DEFAULT_UI_LISTEN,
      config,
      paths,
      log,
      cwd: ctx.cwd,
    });
    ctx.stdout.write(`review page of ${paths.dataDir} at ${listener.url}/ (Ctrl-C to stop)\n`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await listener.close();
    return 0;
  },
};
