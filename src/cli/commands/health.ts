/**
 * `slicebatch health`: is the daemon of a data folder alive and making progress? Reads its
 * heartbeat (`.slicebatch/heartbeat.json`), so it needs neither the network nor curl: Docker's
 * HEALTHCHECK and a systemd or cron probe run it as is. Exit 0 healthy, 1 not (never 2, which
 * Docker reserves), with the reason on one line.
 */
import { dataPaths } from '../../config/data-paths.ts';
import { judgeHealth, readHeartbeat } from '../../daemon/heartbeat.ts';
import { errorMessage } from '../../errors.ts';
import { loadConfig } from '../../config/load.ts';
import { CONFIG_FLAGS, noPositionals, stringFlag, type Command } from '../command.ts';

export const healthCommand: Command = {
  name: 'health',
  summary:
    'Say whether the daemon of the data folder is alive and making progress, from its heartbeat\n' +
    '(exit 0 healthy, 1 not; for Docker HEALTHCHECK and probes).',
  flags: { ...CONFIG_FLAGS },
  async run(ctx, args) {
    noPositionals(args, 'health');
    try {
      const dataDir = stringFlag(args, 'data-dir');
      const { config } = await loadConfig({
        configPath: stringFlag(args, 'config'),
        cwd: ctx.cwd,
        env: ctx.env,
        overrides: dataDir === undefined ? {} : { data_dir: dataDir },
      });
      const paths = dataPaths(ctx.cwd, config.data_dir);
      const health = judgeHealth(await readHeartbeat(paths.state), Date.now());
      if (health.ok) {
        ctx.stdout.write(`healthy: ${health.summary}\n`);
        return 0;
      }
      ctx.stdout.write(`unhealthy: ${health.reason}\n`);
      return 1;
    } catch (err) {
      ctx.stdout.write(`unhealthy: ${errorMessage(err)}\n`);
      return 1;
    }
  },
};
