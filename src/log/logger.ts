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
import { MIN_SECRET_LENGTH, REDACTED, scrubSecrets } from './scrub-secrets.ts';

export { REDACTED, scrubSecrets };

export type { Logger } from 'pino';

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
