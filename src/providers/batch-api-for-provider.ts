/**
 * The adapter of a provider, built from the configuration: `batchApiForProvider(config,
 * provider)`. A missing key or address is a ConfigError naming the key to set.
 */
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { anthropicBatchApiFromConfig } from '../anthropic/from-config.ts';
import { batchApiFromConfig } from '../openai/client-from-config.ts';
import { createAzureBatchApi, createCompatibleBatchApi } from '../openai/provider-clients.ts';
import {
  ANTHROPIC_CAPABILITIES,
  AZURE_CAPABILITIES,
  COMPATIBLE_PROFILES,
  compatibleCapabilities,
  OPENAI_CAPABILITIES,
  type CompatibleProfileName,
} from './capabilities.ts';
import type { ProviderApi, ProviderName } from './port.ts';
import { routedApi } from './routed-api.ts';

/** The provider of a scenario: its own `provider`, or the top-level one. */
export function providerOfScenario(config: Config, scenario: string | null): ProviderName {
  if (scenario === 'scenario1') return config.scenarios.scenario1.provider ?? config.provider;
  if (scenario === 'scenario2') return config.scenarios.scenario2.provider ?? config.provider;
  return config.provider;
}

/** `stateDir`: where the Anthropic adapter keeps its files (the data folder's state folder by default). */
export function batchApiForProvider(
  config: Config,
  provider: ProviderName,
  stateDir?: string,
): ProviderApi {
  const timeoutMs = config.submit.request_timeout_ms;
  switch (provider) {
    case 'openai':
      return { ...batchApiFromConfig(config), provider, capabilities: OPENAI_CAPABILITIES };
    case 'azure': {
      const a = config.azure;
      if (a.endpoint === undefined) {
        throw new ConfigError(
          'provider azure: no endpoint: set AZURE_OPENAI_ENDPOINT or "azure.endpoint" (https://<resource>.openai.azure.com)',
          'azure.endpoint',
        );
      }
      if (a.api_key === undefined) {
        throw new ConfigError(
          'provider azure: no key: set AZURE_OPENAI_API_KEY (or "azure.api_key", or a key file: "azure.api_key_file", AZURE_OPENAI_API_KEY_FILE)',
          'azure.api_key',
        );
      }
      const api = createAzureBatchApi({
        apiKey: a.api_key,
        endpoint: a.endpoint,
        apiVersion: a.api_version,
        deployments: a.deployments,
        fileExpiry: AZURE_CAPABILITIES.fileExpiry,
        outputExpiry: AZURE_CAPABILITIES.outputExpiry,
        timeoutMs,
      });
      return { ...api, provider, capabilities: AZURE_CAPABILITIES };
    }
    case 'openai_compatible': {
      const c = config.openai_compatible;
      const profile = COMPATIBLE_PROFILES[c.profile as CompatibleProfileName] as {
        baseUrl?: string;
      };
      const baseURL = c.base_url ?? profile.baseUrl;
      if (baseURL === undefined) {
        throw new ConfigError(
          'provider openai_compatible: no base URL: set "openai_compatible.base_url" (or OPENAI_COMPATIBLE_BASE_URL)',
          'openai_compatible.base_url',
        );
      }
      if (c.api_key === undefined) {
        throw new ConfigError(
          'provider openai_compatible: no key: set OPENAI_COMPATIBLE_API_KEY (GROQ_API_KEY with the groq profile), or "openai_compatible.api_key" or "openai_compatible.api_key_file"',
          'openai_compatible.api_key',
        );
      }
      const capabilities = compatibleCapabilities(c.profile as CompatibleProfileName, c);
      const api = createCompatibleBatchApi({
        apiKey: c.api_key,
        baseURL,
        completionWindow: capabilities.completionWindows[0]!,
        models: c.models,
        timeoutMs,
      });
      return { ...api, provider, capabilities };
    }
    case 'anthropic':
      return {
        ...anthropicBatchApiFromConfig(config, stateDir),
        provider,
        capabilities: ANTHROPIC_CAPABILITIES,
      };
  }
}

/**
 * The adapter the daemon and `submit` use: the scenarios' provider, or, when the two
 * scenarios name different providers, one port routing each call to its provider
 * (routed-api.ts).
 */
export function batchApiForConfig(config: Config, stateDir?: string): ProviderApi {
  const one = providerOfScenario(config, 'scenario1');
  const two = providerOfScenario(config, 'scenario2');
  if (one === two) return batchApiForProvider(config, one, stateDir);
  const apis = new Map<ProviderName, ProviderApi>([
    [one, batchApiForProvider(config, one, stateDir)],
    [two, batchApiForProvider(config, two, stateDir)],
  ]);
  return routedApi(apis, (scenario) => providerOfScenario(config, scenario), config.provider);
}
