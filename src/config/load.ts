/**
 * Reading the configuration: defaults < config.json < environment < command-line flags.
 * Every problem is reported with the file or variable and the key, as a ConfigError (exit 2).
 *
 * The API key, first found wins: OPENAI_API_KEY > the file named by OPENAI_API_KEY_FILE > the
 * file named by `api_key_file` > `$CREDENTIALS_DIRECTORY/openai_api_key` (a systemd credential,
 * read only when that file exists) > `api_key`. Only the winning file is read. Relative paths are
 * taken from the working directory, as `data_dir`. A key file's content never appears in an error.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { logLevelFromEnv } from '../log/log-level.ts';
import { withAnthropicEnv } from './anthropic-env.ts';
import { ApiKeyText, ConfigSchema, HttpUrl, type Config } from './schema.ts';
import { resolveProviderKeys } from './provider-keys.ts';

/** Connection settings that the environment overrides, with the variable that does it. */
export const ENV_OVERRIDES = [
  ['OPENAI_API_KEY', 'api_key'],
  ['OPENAI_BASE_URL', 'base_url'],
  ['OPENAI_ORG_ID', 'organization_id'],
  ['OPENAI_PROJECT_ID', 'project_id'],
] as const;

const envValueSchemas = {
  api_key: ApiKeyText,
  base_url: HttpUrl,
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
  /** Opens a key file (node:fs by default; tests give one that fails as the system would). */
  readonly openKeyFile?: (path: string) => Promise<FileHandle>;
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
  config = { ...config, log_level: logLevelFromEnv(options.env, config.log_level) };
  config = { ...config, api_key: await resolveApiKey(config, options, read?.file) };
  config = await resolveProviderKeys(config, { ...options, readKeyFile }, read?.file);
  config = await withAnthropicEnv(config, options.env, options.cwd, read?.file, (path, source) =>
    readKeyFile(path, source, true, options.openKeyFile ?? ((p: string) => open(p, 'r'))),
  );
  if (options.overrides?.data_dir !== undefined) {
    config = { ...config, data_dir: options.overrides.data_dir };
  }
  return { config, file: read?.file };
}

/** The systemd credential name of the key (`LoadCredential=openai_api_key:...`). */
export const API_KEY_CREDENTIAL = 'openai_api_key';

/** A key file larger than this is not a key file (and /dev/zero must not fill the memory). */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** The key by the precedence in the header; `config.api_key` already holds OPENAI_API_KEY. */
async function resolveApiKey(
  config: Config,
  options: LoadConfigOptions,
  configFile: string | undefined,
): Promise<string | undefined> {
  const { env, cwd } = options;
  const opener = options.openKeyFile ?? ((path: string) => open(path, 'r'));
  if (nonEmpty(env['OPENAI_API_KEY']) !== undefined) return config.api_key;
  const envFile = nonEmpty(env['OPENAI_API_KEY_FILE']);
  if (envFile !== undefined) {
    return readKeyFile(
      resolve(cwd, envFile),
      'environment variable OPENAI_API_KEY_FILE',
      true,
      opener,
    );
  }
  if (config.api_key_file !== undefined) {
    const source = `${configFile ?? 'config'}: "api_key_file"`;
    return readKeyFile(resolve(cwd, config.api_key_file), source, true, opener);
  }
  const credentials = nonEmpty(env['CREDENTIALS_DIRECTORY']);
  if (credentials !== undefined) {
    const path = join(resolve(cwd, credentials), API_KEY_CREDENTIAL);
    const key = await readKeyFile(
      path,
      'systemd credential (CREDENTIALS_DIRECTORY)',
      false,
      opener,
    );
    if (key !== undefined) return key;
  }
  return config.api_key;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The key held by `path`, surrounding whitespace (the editor's final newline) removed.
 * `mustExist` false: a missing file gives undefined. Errors name the file, never its content.
 */
async function readKeyFile(
  path: string,
  source: string,
  mustExist: boolean,
  opener: (path: string) => Promise<FileHandle>,
): Promise<string | undefined> {
  const fail = (why: string, cause?: unknown): never => {
    throw new ConfigError(
      `${source}: ${path}: ${why}`,
      'api_key_file',
      cause === undefined ? undefined : { cause },
    );
  };
  let bytes: Buffer;
  try {
    const handle = await opener(path);
    try {
      const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
      let length = 0;
      let bytesRead: number;
      do {
        ({ bytesRead } = await handle.read(buffer, length, buffer.length - length));
        length += bytesRead;
      } while (bytesRead > 0 && length < buffer.length);
      bytes = buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return undefined;
    return fail(fileProblem(code), err);
  }
  if (bytes.length > MAX_KEY_FILE_BYTES) {
    return fail(`larger than ${MAX_KEY_FILE_BYTES / 1024} KiB: expected the API key alone`);
  }
  const key = bytes.toString('utf8').trim();
  if (key === '') return fail('is empty: expected the API key');
  if (/[\s\p{Cc}]/u.test(key)) {
    return fail('holds more than the key (whitespace or control characters inside it)');
  }
  return key;
}

function fileProblem(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return `cannot be read: permission denied (${code}) for user id ${process.getuid?.() ?? '?'}`;
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return `cannot be read (${code ?? 'unknown error'})`;
  }
}
