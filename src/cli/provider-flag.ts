/**
 * `--provider` of `run` and `emulator`: which batch API (config `provider`), and for
 * `run --emulator --provider anthropic` the Anthropic emulator and adapter, in this process.
 */
import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import type { BatchApi } from '../openai/batch-api.ts';
import { stringFlag, type FlagSpec, type ParsedFlags } from './command.ts';

export const PROVIDERS = ['openai', 'azure', 'openai_compatible', 'anthropic'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const PROVIDER_FLAG: FlagSpec = {
  type: 'string',
  value: 'NAME',
  description: `the batch API: ${PROVIDERS.join(', ')} (default: config "provider", else openai)`,
};

export function providerFlag(args: ParsedFlags, command: string): Provider | undefined {
  const value = stringFlag(args, 'provider');
  if (value === undefined) return undefined;
  if (!(PROVIDERS as readonly string[]).includes(value)) {
    throw new UsageError(
      `slicebatch ${command}: --provider ${value}: expected one of ${PROVIDERS.join(', ')}`,
    );
  }
  return value as Provider;
}

/** The Anthropic emulator (a free loopback port) and an adapter pointed at it. */
export async function anthropicEmulatorApi(
  config: Config,
  stateDir: string,
  key: string,
): Promise<{ api: BatchApi; emulator: { url: string; close(): Promise<void> } }> {
  // Loaded here, not with the command: a daemon of another provider loads neither.
  const { startAnthropicEmulator } = await import('../emulator/anthropic/anthropic-emulator.ts');
  const { createAnthropicBatchApi } = await import('../anthropic/anthropic-batch-api.ts');
  const emulator = await startAnthropicEmulator({
    host: '127.0.0.1',
    port: 0,
    stateDir: join(stateDir, 'emulator-anthropic'),
  });
  const api = createAnthropicBatchApi({
    apiKey: key,
    baseURL: emulator.url,
    timeoutMs: config.submit.request_timeout_ms,
    store: join(stateDir, 'anthropic'),
    clock: systemClock,
  });
  return { api, emulator };
}
