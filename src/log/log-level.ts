/**
 * The log levels, and `LOG_LEVEL` read from the environment: checked here, because pino given
 * an unknown level stops with a message that does not name the variable.
 */
import { ConfigError } from '../errors.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `LOG_LEVEL` when set, else `fallback`; an unknown level is a ConfigError naming it. */
export function logLevelFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  fallback: LogLevel,
): LogLevel {
  const level = env['LOG_LEVEL'];
  if (level === undefined || level === '') return fallback;
  const known = LOG_LEVELS.find((l) => l === level);
  if (known === undefined) {
    throw new ConfigError(
      `environment variable LOG_LEVEL: ${JSON.stringify(level)} is not a log level; use one of ${LOG_LEVELS.join(', ')}`,
      'log_level',
    );
  }
  return known;
}
