/**
 * What every command starts with: the configuration (file, environment, flags) and the logger.
 */
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { CommandContext } from './command.ts';

export interface Setup extends LoadedConfig {
  readonly log: Logger;
}

export async function setup(
  ctx: CommandContext,
  flags: { readonly config?: string | undefined; readonly dataDir?: string | undefined },
): Promise<Setup> {
  const loaded = await loadConfig({
    configPath: flags.config,
    cwd: ctx.cwd,
    env: ctx.env,
    overrides: flags.dataDir === undefined ? {} : { data_dir: flags.dataDir },
  });
  const log = await createLogger({
    level: ctx.env['LOG_LEVEL'] ?? loaded.config.log_level,
    secrets: [loaded.config.api_key],
    // The real stderr is written synchronously by fd; any other stream (tests) as a stream.
    ...(ctx.stderr === process.stderr ? {} : { stream: ctx.stderr }),
  });
  return { ...loaded, log };
}
