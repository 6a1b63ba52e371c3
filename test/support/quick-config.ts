/**
 * The configuration tests run with: submission without waits worth the name (retries after a
 * few ms, a requeue within 5 ms, 60,000 calls a minute), over the schema's defaults. Each top-level
 * section `raw` names replaces the one here whole (a test's own `submit` block is its whole
 * `submit`), and `after` comes last (the daemon's quick heartbeat and watcher, say).
 */
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';

export function quickConfig(
  raw: Record<string, unknown>,
  options: {
    /** The first retry's delay (the pipeline and the daemon: 5 ms; submit and poll alone: 1). */
    readonly retryBaseMs: number;
    readonly after?: Record<string, unknown>;
  },
): Config {
  return parseConfig(
    {
      submit: {
        retry_base_ms: options.retryBaseMs,
        requeue_base_ms: 1,
        requeue_cap_ms: 5,
        requests_per_minute: 60_000,
      },
      ...raw,
      ...options.after,
    },
    'test',
  );
}
