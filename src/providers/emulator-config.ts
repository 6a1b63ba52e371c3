/**
 * The configuration as `run --provider X` and `run --emulator` see it: the provider of both
 * scenarios set by the flag; on the emulator, every provider's address and key pointing at it
 * (never the configured key), and the deployments or model names kept.
 */
import type { Config } from '../config/schema.ts';
import { pricesForProvider } from '../config/provider-prices.ts';
import { ConfigError } from '../errors.ts';
import { PROVIDER_NAMES, type ProviderName } from './port.ts';

export function withProvider(config: Config, flag: string | undefined): Config {
  if (flag === undefined) return config;
  if (!(PROVIDER_NAMES as readonly string[]).includes(flag)) {
    throw new ConfigError(
      `--provider: one of ${PROVIDER_NAMES.join(', ')} expected, got ${JSON.stringify(flag)}`,
      'provider',
    );
  }
  const provider = flag as ProviderName;
  const names =
    provider === 'azure'
      ? config.azure.deployments
      : provider === 'openai_compatible'
        ? config.openai_compatible.models
        : {};
  return {
    ...config,
    provider,
    // The table was made for the configured provider (openai, unless set): made again.
    prices:
      provider === config.provider
        ? config.prices
        : pricesForProvider(config.prices, provider, names),
    scenarios: {
      scenario1: { ...config.scenarios.scenario1, provider },
      scenario2: { ...config.scenarios.scenario2, provider },
    },
  };
}

export function emulatorConfig(
  config: Config,
  emulator: { readonly url: string; readonly origin: string },
  key: string,
): Config {
  return {
    ...config,
    api_key: key,
    base_url: emulator.url,
    azure: { ...config.azure, endpoint: emulator.origin, api_key: key },
    openai_compatible: { ...config.openai_compatible, base_url: emulator.url, api_key: key },
  };
}
