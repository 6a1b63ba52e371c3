/**
 * `slicebatch health`: is the daemon of a data folder alive and making progress? Reads its
 * heartbeat (`.slicebatch/heartbeat.json`), so it needs neither the network nor curl: Docker's
 * HEALTHCHECK and a systemd or cron probe run it as is. Exit 0 healthy, 1 not (never 2, which
 * Docker reserves), with the reason on one line.
 */
import { dataPaths } from '../../domain/data-paths.ts';
import { judgeHealth, readHeartbeat } from '../../domain/heartbeat.ts';
import { errorMessage } from '../../errors.ts';
import { CONFIG_FLAGS, noPositionals, type Command } from '../command.ts';
import { terminalText } from '../../format.ts';
import { loadSettings } from '../setup.ts';

export const healthCommand: Command = {
  name: 'health',
  summary:
    'Say whether the daemon of the data folder is alive and making progress, from its heartbeat\n' +
    '(exit 0 healthy, 1 not; for Docker HEALTHCHECK and probes).',
  flags: { ...CONFIG_FLAGS },
  async run(ctx, args) {
    noPositionals(args, 'health');
    try {
      const { config } = await loadSettings(ctx, args);
      const paths = dataPaths(ctx.cwd, config.data_dir);
      const health = judgeHealth(await readHeartbeat(paths.state), Date.now());
      if (health.ok) {
        ctx.stdout.write(`healthy: ${terminalText(health.summary)}\n`);
        return 0;
      }
      ctx.stdout.write(`unhealthy: ${terminalText(health.reason)}\n`);
      return 1;
    } catch (err) {
      ctx.stdout.write(`unhealthy: ${terminalText(errorMessage(err))}\n`);
      return 1;
    }
  },
};
