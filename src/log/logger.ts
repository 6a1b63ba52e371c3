/**
 * The one root logger (pino). JSON lines by default, readable (pino-pretty) when the log
 * destination is a terminal. Logs go to stderr so that stdout stays free for command output
 * (`status --json`, `config schema`, ...).
 *
 * Secrets are removed by configuration, not by care: known secret fields are redacted by path,
 * and every line is scrubbed of the configured secret values and of anything shaped like an
 * OpenAI key before it is written, wherever it hides (a message, an error, a URL).
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

const SECRET_PATHS = [
  'api_key',
  'apiKey',
  '*.api_key',
  '*.apiKey',
  '*.*.api_key',
  'config.openai.api_key',
  'authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.Authorization',
  '*.headers.Authorization',
];

/** Shorter values are not treated as secrets: scrubbing them would mangle every line. */
const MIN_SECRET_LENGTH = 4;

/** Anything that looks like an OpenAI API key (sk-..., sk-proj-...). */
const KEY_SHAPE = /\bsk-[A-Za-z0-9_-]{8,}/g;

export interface CreateLoggerOptions {
  readonly level?: string;
  /** Secret values to scrub from every line (the API key). Empty strings are ignored. */
  readonly secrets?: readonly (string | undefined)[];
  /** File descriptor to write to; 2 (stderr) by default. */
  readonly fd?: number;
  /** Readable output; by default when `fd` is a terminal. */
  readonly pretty?: boolean;
  /** A stream to write to instead of `fd` (tests). */
  readonly stream?: { write(line: string): unknown };
  readonly base?: Record<string, unknown>;
}

export function scrubSecrets(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH) continue;
    if (out.includes(s)) out = out.split(s).join(REDACTED);
    // The same value JSON-escaped, as it appears inside a serialized string.
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s && out.includes(escaped)) out = out.split(escaped).join(REDACTED);
  }
  return out.replace(KEY_SHAPE, REDACTED);
}

export async function createLogger(options: CreateLoggerOptions = {}): Promise<Logger> {
  const secrets = (options.secrets ?? []).filter(
    (s): s is string => s !== undefined && s.length >= MIN_SECRET_LENGTH,
  );
  const fd = options.fd ?? 2;
  const opts: LoggerOptions = {
    level: options.level ?? 'info',
    base: options.base ?? { pid: process.pid },
    redact: { paths: SECRET_PATHS, censor: REDACTED },
    hooks: { streamWrite: (line: string) => scrubSecrets(line, secrets) },
  };
  if (options.stream) return pino(opts, options.stream);
  const pretty = options.pretty ?? (await isTerminal(fd));
  if (pretty) {
    const { default: prettyStream } = await import('pino-pretty');
    return pino(
      opts,
      prettyStream({
        destination: fd,
        sync: true,
        colorize: true,
        ignore: 'pid,hostname',
        translateTime: 'SYS:HH:MM:ss',
      }),
    );
  }
  return pino(opts, pino.destination({ fd, sync: true }));
}

async function isTerminal(fd: number): Promise<boolean> {
  const { isatty } = await import('node:tty');
  return isatty(fd);
}
