/**
 * The `anthropic` settings from the environment, over config.json: ANTHROPIC_API_KEY >
 * the file named by ANTHROPIC_API_KEY_FILE > the file named by `anthropic.api_key_file` >
 * `anthropic.api_key`; ANTHROPIC_BASE_URL over `anthropic.base_url`. Errors name the variable or
 * key, never a key's content.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { ApiKeyText, HttpUrl, type Config } from './schema.ts';

/** Reads a key file (load.ts's reader: errors name the file, never its content). */
export type KeyFileReader = (path: string, source: string) => Promise<string | undefined>;

function fromEnv(
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  schema: typeof ApiKeyText | typeof HttpUrl,
  key: string,
): string | undefined {
  const value = env[variable];
  if (value === undefined || value === '') return undefined;
  const checked = schema.safeParse(value);
  if (!checked.success) {
    throw new ConfigError(
      `environment variable ${variable}: ${checked.error.issues[0]?.message ?? 'invalid'}`,
      key,
    );
  }
  return checked.data;
}

export async function withAnthropicEnv(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  configFile: string | undefined,
  readKey: KeyFileReader,
): Promise<Config> {
  const a = config.anthropic;
  const baseUrl = fromEnv(env, 'ANTHROPIC_BASE_URL', HttpUrl, 'anthropic.base_url') ?? a.base_url;
  let apiKey = fromEnv(env, 'ANTHROPIC_API_KEY', ApiKeyText, 'anthropic.api_key');
  const envFile = env['ANTHROPIC_API_KEY_FILE'];
  if (apiKey === undefined && envFile !== undefined && envFile !== '') {
    apiKey = await readKey(resolve(cwd, envFile), 'environment variable ANTHROPIC_API_KEY_FILE');
  } else if (apiKey === undefined && a.api_key_file !== undefined) {
    apiKey = await readKey(
      resolve(cwd, a.api_key_file),
      `${configFile ?? 'config'}: "anthropic.api_key_file"`,
    );
  }
  return { ...config, anthropic: { ...a, api_key: apiKey ?? a.api_key, base_url: baseUrl } };
}
