/**
 * The Batch API port for a configuration. Without a key, the error says how to get one going
 * (a real key, or the built-in emulator).
 */
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { createOpenAIBatchApi, type BatchApi } from './batch-api.ts';
import { anthropicBatchApiFromConfig } from '../anthropic/from-config.ts';

export function batchApiFromConfig(config: Config, stateDir?: string): BatchApi {
  // provider "anthropic": its own adapter (src/anthropic/), its files in the state folder.
  if (config.provider === 'anthropic') return anthropicBatchApiFromConfig(config, stateDir);
  if (config.api_key === undefined) {
    throw new ConfigError(
      'no API key: set OPENAI_API_KEY (or "api_key" in config.json, or a key file), or try it all on the built-in emulator: slicebatch emulator, then OPENAI_BASE_URL=http://127.0.0.1:8787/v1 OPENAI_API_KEY=any',
      'api_key',
    );
  }
  return createOpenAIBatchApi({
    apiKey: config.api_key,
    baseURL: config.base_url,
    organization: config.organization_id,
    project: config.project_id,
    timeoutMs: config.submit.request_timeout_ms,
  });
}
