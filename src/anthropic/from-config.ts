/** The Anthropic adapter for a configuration (provider "anthropic"). */
import { join, resolve } from 'node:path';
import { systemClock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import { STAGE_FOLDERS } from '../domain/data-paths.ts';
import { ConfigError } from '../errors.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { createAnthropicBatchApi } from './anthropic-batch-api.ts';

/** Where the adapter keeps its files: `<state folder>/anthropic`. */
export function anthropicStoreDir(config: Config, stateDir?: string): string {
  return join(stateDir ?? resolve(config.data_dir, STAGE_FOLDERS.state), 'anthropic');
}

export function anthropicBatchApiFromConfig(config: Config, stateDir?: string): BatchApi {
  const a = config.anthropic;
  if (a.api_key === undefined) {
    throw new ConfigError(
      'provider "anthropic": no API key: set ANTHROPIC_API_KEY (or "anthropic.api_key" in config.json, or a key file), or try it all on the built-in emulator: slicebatch run --emulator --provider anthropic',
      'anthropic.api_key',
    );
  }
  return createAnthropicBatchApi({
    apiKey: a.api_key,
    baseURL: a.base_url,
    timeoutMs: config.submit.request_timeout_ms,
    store: anthropicStoreDir(config, stateDir),
    clock: systemClock,
  });
}
