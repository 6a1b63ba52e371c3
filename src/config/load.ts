/**
 * Reading the configuration: defaults < config.json < environment < command-line flags.
 * Every problem is reported with the file or variable and the key, as a ConfigError (exit 2).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { ConfigSchema, type Config } from './schema.ts';

/** Connection settings that the environment overrides, with the variable that does it. */
export const ENV_OVERRIDES = [
  ['OPENAI_API_KEY', 'api_key'],
  ['OPENAI_BASE_URL', 'base_url'],
  ['OPENAI_ORG_ID', 'organization_id'],
  ['OPENAI_PROJECT_ID', 'project_id'],
] as const;

const envValueSchemas = {
  api_key: z.string().min(1),
  base_url: z.url(),
  organization_id: z.string().min(1),
  project_id: z.string().min(1),
} as const;

export interface LoadConfigOptions {
  /** `--config`: must exist when given. */
  readonly configPath?: string | undefined;
  /** Where `config.json` is looked for when `--config` is absent. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Flags that override settings (applied last), e.g. `{ data_dir: '/data' }`. */
  readonly overrides?: Partial<Pick<Config, 'data_dir'>>;
}

export interface LoadedConfig {
  readonly config: Config;
  /** The file read, or undefined when only defaults and the environment were used. */
  readonly file: string | undefined;
}

function keyPath(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .slice(1);
}

/** One line per problem: `<file>: <key>: <problem>`. */
export function formatConfigIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys
          .map((k) => `${source}: unknown key "${keyPath([...issue.path, k])}"`)
          .join('\n');
      }
      const key = keyPath(issue.path);
      return `${source}: ${key === '' ? '(top level)' : `"${key}"`}: ${issue.message}`;
    })
    .join('\n');
}

export function parseConfig(raw: unknown, source: string): Config {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(
      formatConfigIssues(source, parsed.error.issues),
      first ? keyPath(first.path) : undefined,
    );
  }
  return parsed.data;
}

async function readConfigFile(
  path: string,
  mustExist: boolean,
): Promise<{ raw: unknown; file: string } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return undefined;
    const why = code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(err)})`;
    throw new ConfigError(`${path}: ${why}`, undefined, { cause: err });
  }
  try {
    return { raw: JSON.parse(text.replace(/^\uFEFF/, '')), file: path };
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON: ${(err as Error).message}`, undefined, {
      cause: err,
    });
  }
}

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const explicit = options.configPath !== undefined;
  const path = resolve(options.cwd, options.configPath ?? 'config.json');
  const read = await readConfigFile(path, explicit);
  let config = parseConfig(read?.raw ?? {}, read?.file ?? 'defaults');

  for (const [variable, key] of ENV_OVERRIDES) {
    const value = options.env[variable];
    if (value === undefined || value === '') continue;
    const checked = envValueSchemas[key].safeParse(value);
    if (!checked.success) {
      throw new ConfigError(
        `environment variable ${variable}: ${checked.error.issues[0]?.message ?? 'invalid'}`,
        key,
      );
    }
    config = { ...config, [key]: checked.data };
  }
  if (options.overrides?.data_dir !== undefined) {
    config = { ...config, data_dir: options.overrides.data_dir };
  }
  return { config, file: read?.file };
}
