/**
 * The Anthropic adapter for a configuration (provider "anthropic"). Its key is checked at once;
 * the adapter and the Anthropic SDK are loaded at its first call, so that a daemon or `submit`
 * of another provider does not load them (about 15 MB of a process's resident memory).
 */
import { join, resolve } from 'node:path';
import { systemClock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import { STAGE_FOLDERS } from '../domain/data-paths.ts';
import { ConfigError } from '../errors.ts';
import type { BatchApi } from '../openai/batch-api.ts';

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
  const settings = {
    apiKey: a.api_key,
    baseURL: a.base_url,
    timeoutMs: config.submit.request_timeout_ms,
    store: anthropicStoreDir(config, stateDir),
    clock: systemClock,
  };
  return lazyBatchApi(async () =>
    (await import('./anthropic-batch-api.ts')).createAnthropicBatchApi(settings),
  );
}

/**
 * A BatchApi that `load` makes at its first call (once; a failed load fails every call), each
 * call waiting for it. Without `uploadedBytes`: for an adapter that has none.
 */
export function lazyBatchApi(load: () => Promise<BatchApi>): BatchApi {
  let loaded: Promise<BatchApi> | undefined;
  const api = (): Promise<BatchApi> => (loaded ??= load());
  return {
    uploadFile: async (...args) => (await api()).uploadFile(...args),
    async *listFiles(...args) {
      yield* (await api()).listFiles(...args);
    },
    deleteFile: async (...args) => (await api()).deleteFile(...args),
    createBatch: async (...args) => (await api()).createBatch(...args),
    retrieveBatch: async (...args) => (await api()).retrieveBatch(...args),
    async *listBatches(...args) {
      yield* (await api()).listBatches(...args);
    },
    cancelBatch: async (...args) => (await api()).cancelBatch(...args),
    downloadFile: async (...args) => (await api()).downloadFile(...args),
  };
}
