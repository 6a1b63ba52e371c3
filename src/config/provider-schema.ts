/**
 * The config keys of the providers (docs/configuration.md, "Providers"): `provider` (top level
 * and per scenario), `azure` and `openai_compatible`. Their keys come from the environment too
 * (provider-keys.ts). The Anthropic adapter adds its own `anthropic` object.
 */
import { z } from 'zod';
import { COMPATIBLE_PROFILE_NAMES } from '../providers/capabilities.ts';
import { PROVIDER_NAMES } from '../providers/port.ts';
import { ApiKeyText, HttpUrl } from './connection-schema.ts';
import { unset } from './schema-parts.ts';

export const ProviderEnum = z
  .enum(PROVIDER_NAMES)
  .describe(
    'Whose Batch API: openai (default), azure (Azure OpenAI), openai_compatible (Groq and other servers with the same Files and Batches calls), anthropic (Message Batches).',
  );

export const ScenarioProvider = unset(ProviderEnum).describe(
  "This scenario's provider; the top-level `provider` when unset.",
);

export const AzureConfig = z
  .strictObject({
    endpoint: unset(HttpUrl).describe(
      'https://<resource>.openai.azure.com (or AZURE_OPENAI_ENDPOINT).',
    ),
    api_key: unset(ApiKeyText).describe('The resource key (or AZURE_OPENAI_API_KEY).'),
    api_key_file: unset(z.string().min(1)).describe(
      'A file holding the resource key (or AZURE_OPENAI_API_KEY_FILE).',
    ),
    api_version: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'a dated API version, such as 2024-10-21')
      .default('2024-10-21')
      .describe('The api-version sent with every call.'),
    deployments: z
      .record(z.string().min(1), z.string().min(1))
      .default({})
      .describe(
        "Model → the name of its global batch deployment; each request line's model is sent as it. A model without an entry is sent under its own name.",
      ),
  })
  .prefault({});

export const CompatibleConfig = z
  .strictObject({
    profile: z
      .enum(COMPATIBLE_PROFILE_NAMES as [string, ...string[]])
      .default('generic')
      .describe('A built-in profile of the server: groq, or generic (OpenAI limits, 24h window).'),
    base_url: unset(HttpUrl).describe(
      "The server's base URL, ending in /v1 (the profile's when unset; or OPENAI_COMPATIBLE_BASE_URL).",
    ),
    api_key: unset(ApiKeyText).describe(
      "The server's key (or the profile's variable, GROQ_API_KEY; or OPENAI_COMPATIBLE_API_KEY).",
    ),
    api_key_file: unset(z.string().min(1)).describe(
      'A file holding the key (or OPENAI_COMPATIBLE_API_KEY_FILE).',
    ),
    completion_window: unset(z.string().regex(/^\d+[hd]$/, 'such as 24h or 7d')).describe(
      "The completion window asked for; the profile's first when unset.",
    ),
    max_requests_per_batch: unset(z.number().int().min(1)).describe(
      "Requests the server takes in one batch; the profile's when unset.",
    ),
    max_bytes_per_batch: unset(z.number().int().min(1024)).describe(
      "Bytes the server takes in one input file; the profile's when unset.",
    ),
    models: z
      .record(z.string().min(1), z.string().min(1))
      .default({})
      .describe(
        "Our model name → the server's (each request line's model is sent as it); prices and budgets stay by ours.",
      ),
  })
  .prefault({});

export type AzureConfigT = z.output<typeof AzureConfig>;
export type CompatibleConfigT = z.output<typeof CompatibleConfig>;
