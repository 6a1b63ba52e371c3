/**
 * The limits in config against the providers that will get the files: a batch input file
 * split for OpenAI's 50,000 requests fits Azure's 100,000, not the other way round.
 */
import {
  AZURE_CAPABILITIES,
  COMPATIBLE_PROFILES,
  OPENAI_CAPABILITIES,
  type CompatibleProfileName,
} from '../providers/capabilities.ts';
import type { ProviderName } from '../providers/port.ts';

interface LimitsView {
  readonly provider: ProviderName;
  readonly scenarios: {
    readonly scenario1: { readonly provider?: ProviderName | undefined };
    readonly scenario2: { readonly provider?: ProviderName | undefined };
  };
  readonly limits: { readonly max_requests_per_file: number; readonly max_bytes_per_file: number };
  readonly openai_compatible: {
    readonly profile: string;
    readonly max_requests_per_batch?: number | undefined;
    readonly max_bytes_per_batch?: number | undefined;
  };
}

/** The most requests and bytes a provider takes per file (undefined: not known here). */
export function fileLimitsOf(
  provider: ProviderName,
  compatible: LimitsView['openai_compatible'],
): { requests: number; bytes: number } | undefined {
  switch (provider) {
    case 'openai':
      return {
        requests: OPENAI_CAPABILITIES.maxRequestsPerBatch,
        bytes: OPENAI_CAPABILITIES.maxBytesPerBatch,
      };
    case 'azure':
      return {
        requests: AZURE_CAPABILITIES.maxRequestsPerBatch,
        bytes: AZURE_CAPABILITIES.maxBytesPerBatch,
      };
    case 'openai_compatible': {
      const profile = COMPATIBLE_PROFILES[compatible.profile as CompatibleProfileName];
      return {
        requests: compatible.max_requests_per_batch ?? profile.capabilities.maxRequestsPerBatch,
        bytes: compatible.max_bytes_per_batch ?? profile.capabilities.maxBytesPerBatch,
      };
    }
    default:
      return undefined;
  }
}

export function providerLimitIssues(
  cfg: LimitsView,
): { path: (string | number)[]; message: string }[] {
  const used = new Set<ProviderName>([
    cfg.scenarios.scenario1.provider ?? cfg.provider,
    cfg.scenarios.scenario2.provider ?? cfg.provider,
  ]);
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const provider of used) {
    const limits = fileLimitsOf(provider, cfg.openai_compatible);
    if (limits === undefined) continue;
    if (cfg.limits.max_requests_per_file > limits.requests) {
      issues.push({
        path: ['limits', 'max_requests_per_file'],
        message: `${cfg.limits.max_requests_per_file} is more than provider ${provider} takes in one batch (${limits.requests})`,
      });
    }
    if (cfg.limits.max_bytes_per_file > limits.bytes) {
      issues.push({
        path: ['limits', 'max_bytes_per_file'],
        message: `${cfg.limits.max_bytes_per_file} is more than provider ${provider} takes in one input file (${limits.bytes} bytes)`,
      });
    }
  }
  return issues;
}
