/**
 * What each OpenAI-shaped provider states (the port's `ProviderCapabilities`), and the built-in
 * profiles of OpenAI-compatible servers. Sources, checked when written (docs/providers.md):
 * OpenAI's Batch API reference; Azure OpenAI's "Getting started with batch deployments" (100,000
 * requests and 200 MB per file, `expires_after` and `output_expires_after` of 14 to 30 days);
 * Groq's Batch API page as read when written, not checked against the service here (50,000
 * lines and 200 MB per file, windows of 24 hours to 7 days: each can be set in config).
 */
import type { ProviderCapabilities } from './port.ts';

const MB = 1024 * 1024;
const DAY_S = 86_400;

export const OPENAI_CAPABILITIES: ProviderCapabilities = {
  input: 'file',
  maxRequestsPerBatch: 50_000,
  maxBytesPerBatch: 200 * MB,
  completionWindows: ['24h'],
  metadata: true,
  modelNaming: 'model',
  tokenCounting: 'tiktoken',
  fileExpiry: { minS: 3600, maxS: 30 * DAY_S },
  outputExpiry: { minS: 3600, maxS: 30 * DAY_S },
};

export const AZURE_CAPABILITIES: ProviderCapabilities = {
  input: 'file',
  maxRequestsPerBatch: 100_000,
  maxBytesPerBatch: 200 * MB,
  completionWindows: ['24h'],
  metadata: true,
  modelNaming: 'deployment',
  tokenCounting: 'tiktoken',
  fileExpiry: { minS: 14 * DAY_S, maxS: 30 * DAY_S },
  outputExpiry: { minS: 14 * DAY_S, maxS: 30 * DAY_S },
};

/**
 * Anthropic Message Batches (src/anthropic/, docs/providers.md): requests inline in the create
 * call, at most 100,000 requests or 256 MB a batch, results kept 29 days, no metadata (a lost
 * create answer is matched by its request count and creation time instead), prompt tokens
 * estimated with o200k (no public offline tokenizer).
 */
export const ANTHROPIC_CAPABILITIES: ProviderCapabilities = {
  input: 'inline',
  maxRequestsPerBatch: 100_000,
  maxBytesPerBatch: 256 * MB,
  completionWindows: ['24h'],
  metadata: false,
  modelNaming: 'model',
  tokenCounting: 'approximate',
  fileExpiry: null,
  outputExpiry: null,
};

/** The Azure OpenAI API version sent by default (the GA version that has the Batch API). */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

/** A built-in profile of an OpenAI-compatible server: what differs from OpenAI. */
export interface CompatibleProfile {
  readonly capabilities: ProviderCapabilities;
  /** The environment variable of its key, looked at before OPENAI_COMPATIBLE_API_KEY. */
  readonly keyVariable?: string;
  /** Its base URL, when it has one. */
  readonly baseUrl?: string;
}

export const COMPATIBLE_PROFILES = {
  groq: {
    capabilities: {
      input: 'file',
      maxRequestsPerBatch: 50_000,
      maxBytesPerBatch: 200 * MB,
      completionWindows: ['24h', '48h', '72h', '7d'],
      metadata: true,
      modelNaming: 'mapped',
      tokenCounting: 'approximate',
      fileExpiry: null,
      outputExpiry: null,
    },
    keyVariable: 'GROQ_API_KEY',
    baseUrl: 'https://api.groq.com/openai/v1',
  },
  generic: {
    capabilities: {
      input: 'file',
      maxRequestsPerBatch: 50_000,
      maxBytesPerBatch: 200 * MB,
      completionWindows: ['24h'],
      metadata: true,
      modelNaming: 'mapped',
      tokenCounting: 'approximate',
      fileExpiry: null,
      outputExpiry: null,
    },
  },
} as const satisfies Record<string, CompatibleProfile>;

export type CompatibleProfileName = keyof typeof COMPATIBLE_PROFILES;
export const COMPATIBLE_PROFILE_NAMES = Object.keys(COMPATIBLE_PROFILES) as CompatibleProfileName[];

/** A profile with the config's overrides (windows, limits, metadata) applied. */
export function compatibleCapabilities(
  profile: CompatibleProfileName,
  overrides: {
    readonly completion_window?: string | undefined;
    readonly max_requests_per_batch?: number | undefined;
    readonly max_bytes_per_batch?: number | undefined;
  },
): ProviderCapabilities {
  const base = COMPATIBLE_PROFILES[profile].capabilities;
  const window = overrides.completion_window;
  return {
    ...base,
    completionWindows:
      window === undefined
        ? base.completionWindows
        : [window, ...base.completionWindows.filter((w) => w !== window)],
    maxRequestsPerBatch: overrides.max_requests_per_batch ?? base.maxRequestsPerBatch,
    maxBytesPerBatch: overrides.max_bytes_per_batch ?? base.maxBytesPerBatch,
  };
}
