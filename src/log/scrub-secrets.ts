/**
 * Removing secrets from text that leaves the process (log lines, error messages on stderr):
 * the configured secret values, raw or JSON-escaped, and anything shaped like an OpenAI key.
 * No dependency, so that the CLI's error path can use it without loading the logger.
 */

export const REDACTED = '[redacted]';

/** Shorter values are not treated as secrets: scrubbing them would mangle every line. */
export const MIN_SECRET_LENGTH = 4;

/** Anything that looks like an OpenAI API key (sk-..., sk-proj-...). */
const KEY_SHAPE = /\bsk-[A-Za-z0-9_-]{8,}/g;

export function scrubSecrets(line: string, secrets: Iterable<string | undefined>): string {
  let out = line;
  for (const s of secrets) {
    if (s === undefined || s.length < MIN_SECRET_LENGTH) continue;
    if (out.includes(s)) out = out.split(s).join(REDACTED);
    // The same value JSON-escaped, as it appears inside a serialized string.
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s && out.includes(escaped)) out = out.split(escaped).join(REDACTED);
  }
  return out.replace(KEY_SHAPE, REDACTED);
}
