/**
 * `slicebatch status`: where every input file, batch and request stands, and what it has cost,
 * read from the data folder (the daemon may run or not). `--json` prints the report for
 * scripts (src/status/status-report.ts documents its shape); `--watch` redraws it in place on a
 * terminal every 2 seconds until Ctrl-C.
 */
import { dataPaths } from '../../domain/data-paths.ts';
import { readStatusFacts } from '../../status/read-standing.ts';
import { buildStatusReport, type StatusReport } from '../../status/status-report.ts';
import { renderStatus } from '../../status/status-screen.ts';
import { booleanFlag, CONFIG_FLAGS, noPositionals, type Command } from '../command.ts';
import { loadSettings } from '../setup.ts';

const WATCH_MS = 2000;

export const statusCommand: Command = {
  name: 'status',
  summary:
    'Where every input file, batch and request stands, tokens and cost so far, and what needs a\n' +
    'person; read from the data folder, whether the daemon runs or not.',
  longRunning: true,
  flags: {
    ...CONFIG_FLAGS,
    json: {
      type: 'boolean',
      description: 'print the report as JSON (a stable shape, for scripts)',
    },
    watch: {
      type: 'boolean',
      description: 'redraw every 2 s until Ctrl-C (in place on a terminal)',
    },
  },
  async run(ctx, args) {
    noPositionals(args, 'status');
    const { config } = await loadSettings(ctx, args);
    const paths = dataPaths(ctx.cwd, config.data_dir);
    const report = async (): Promise<StatusReport> => {
      const now = Date.now();
      return buildStatusReport(await readStatusFacts(paths, config, now), now);
    };
    const json = booleanFlag(args, 'json');
    const tty = ctx.stdout.isTTY === true;
    const draw = async (): Promise<void> => {
      const r = await report();
      if (json) {
        ctx.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const screen = renderStatus(r, {
        colour: tty,
        columns: tty && (ctx.stdout.columns ?? 0) > 0 ? ctx.stdout.columns : undefined,
      });
      // In place on a terminal: home, the screen, clear what the last one left below.
      ctx.stdout.write(
        booleanFlag(args, 'watch') && tty
          ? `\x1b[H${screen.replace(/\n/g, '\x1b[K\n')}\x1b[J`
          : screen,
      );
    };
    if (!booleanFlag(args, 'watch')) {
      await draw();
      return 0;
    }
    if (tty && !json) ctx.stdout.write('\x1b[2J');
    while (!ctx.signal.aborted) {
      await draw();
      if (!tty || json) ctx.stdout.write('\n');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WATCH_MS);
        ctx.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
    return 0;
  },
};
