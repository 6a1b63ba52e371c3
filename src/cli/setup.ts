/**
 * What every command starts with: the configuration (file, environment, flags) and the logger.
 */
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { stringFlag, type CommandContext, type ParsedFlags } from './command.ts';

export interface Setup extends LoadedConfig {
  readonly log: Logger;
}

/** The configuration named by the command's `--config` and `--data-dir` (CONFIG_FLAGS). */
export async function loadSettings(ctx: CommandContext, args: ParsedFlags): Promise<LoadedConfig> {
  const dataDir = stringFlag(args, 'data-dir');
  const loaded = await loadConfig({
    configPath: stringFlag(args, 'config'),
    cwd: ctx.cwd,
    env: ctx.env,
    overrides: dataDir === undefined ? {} : { data_dir: dataDir },
  });
  // From here on, an error that quotes the key (a server echoing it back) is printed without it.
  for (const key of secretsOf(loaded.config)) ctx.secrets?.add(key);
  return loaded;
}

/** Every provider's key (OpenAI's, Azure's, a compatible server's): scrubbed from output. */
function secretsOf(config: Config): string[] {
  return [config.api_key, config.azure.api_key, config.openai_compatible.api_key].filter(
    (k): k is string => k !== undefined,
  );
}

/** The configuration (loadSettings) and the logger. */
export async function setup(ctx: CommandContext, args: ParsedFlags): Promise<Setup> {
  const loaded = await loadSettings(ctx, args);
  const log = await createLogger({
    level: loaded.config.log_level,
    secrets: secretsOf(loaded.config),
    // The real stderr is written synchronously by fd; any other stream (tests) as a stream.
    ...(ctx.stderr === process.stderr ? {} : { stream: ctx.stderr }),
  });
  return { ...loaded, log };
}
