/**
 * The keys and addresses of the providers other than OpenAI, from the environment and key
 * files, by the same precedence as OpenAI's key (load.ts): the variable > the variable naming a
 * file > `api_key_file` > `api_key`. Only the provider(s) in use are read: a key file of an
 * unused provider is never opened.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { COMPATIBLE_PROFILES, type CompatibleProfileName } from '../providers/capabilities.ts';
import type { ProviderName } from '../providers/port.ts';
import { HttpUrl, type Config } from './schema.ts';

/** What is needed of the loader (load.ts), handed over to keep the import one way. */
export interface KeySources {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly openKeyFile?: ((path: string) => Promise<FileHandle>) | undefined;
  readonly readKeyFile: (
    path: string,
    source: string,
    mustExist: boolean,
    opener: (path: string) => Promise<FileHandle>,
  ) => Promise<string | undefined>;
}

export function providersInUse(config: Config): Set<ProviderName> {
  return new Set([
    config.scenarios.scenario1.provider ?? config.provider,
    config.scenarios.scenario2.provider ?? config.provider,
  ]);
}

async function keyOf(
  where: string,
  variables: readonly string[],
  fileVariable: string,
  configured: { api_key?: string | undefined; api_key_file?: string | undefined },
  options: KeySources,
  configFile: string | undefined,
): Promise<string | undefined> {
  const { env, cwd } = options;
  const opener = options.openKeyFile ?? ((path: string) => open(path, 'r'));
  for (const v of variables) {
    const value = env[v];
    if (value !== undefined && value !== '') {
      if (/[\s\p{Cc}]/u.test(value)) {
        throw new ConfigError(
          `environment variable ${v}: holds whitespace or control characters (a line break?): expected the API key alone`,
          `${where}.api_key`,
        );
      }
      return value;
    }
  }
  const envFile = env[fileVariable];
  if (envFile !== undefined && envFile !== '') {
    return options.readKeyFile(
      resolve(cwd, envFile),
      `environment variable ${fileVariable}`,
      true,
      opener,
    );
  }
  if (configured.api_key_file !== undefined) {
    const source = `${configFile ?? 'config'}: "${where}.api_key_file"`;
    return options.readKeyFile(resolve(cwd, configured.api_key_file), source, true, opener);
  }
  return configured.api_key;
}

function urlFromEnv(variable: string, value: string | undefined, key: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const checked = HttpUrl.safeParse(value);
  if (!checked.success) {
    throw new ConfigError(
      `environment variable ${variable}: ${checked.error.issues[0]?.message ?? 'invalid'}`,
      key,
    );
  }
  return checked.data;
}

export async function resolveProviderKeys(
  config: Config,
  options: KeySources,
  configFile: string | undefined,
): Promise<Config> {
  const used = providersInUse(config);
  let out = config;
  if (used.has('azure')) {
    const a = config.azure;
    out = {
      ...out,
      azure: {
        ...a,
        endpoint:
          urlFromEnv(
            'AZURE_OPENAI_ENDPOINT',
            options.env['AZURE_OPENAI_ENDPOINT'],
            'azure.endpoint',
          ) ?? a.endpoint,
        api_key: await keyOf(
          'azure',
          ['AZURE_OPENAI_API_KEY'],
          'AZURE_OPENAI_API_KEY_FILE',
          a,
          options,
          configFile,
        ),
      },
    };
  }
  if (used.has('openai_compatible')) {
    const c = config.openai_compatible;
    const profile = COMPATIBLE_PROFILES[c.profile as CompatibleProfileName] as {
      keyVariable?: string;
    };
    const variables = [
      ...(profile.keyVariable === undefined ? [] : [profile.keyVariable]),
      'OPENAI_COMPATIBLE_API_KEY',
    ];
    out = {
      ...out,
      openai_compatible: {
        ...c,
        base_url:
          urlFromEnv(
            'OPENAI_COMPATIBLE_BASE_URL',
            options.env['OPENAI_COMPATIBLE_BASE_URL'],
            'openai_compatible.base_url',
          ) ?? c.base_url,
        api_key: await keyOf(
          'openai_compatible',
          variables,
          'OPENAI_COMPATIBLE_API_KEY_FILE',
          c,
          options,
          configFile,
        ),
      },
    };
  }
  return out;
}
