/**
 * The provider port: the Batch API operations slicebatch uses (`BatchApi`, src/openai/batch-api.ts)
 * and what a provider states about itself (`ProviderCapabilities`), so that everything above it
 * is written, and tested, without knowing whose API answers. Each adapter (OpenAI, Azure
 * OpenAI, an OpenAI-compatible server, Anthropic) implements it; one conformance suite
 * (test/support/provider-conformance.ts) runs against each with its emulator. Types only.
 */
import type { BatchApi } from '../openai/batch-api.ts';

export type {
  BatchApi,
  BatchUsage,
  CallOptions,
  RemoteBatch,
  RemoteBatchError,
  RemoteFile,
} from '../openai/batch-api.ts';

export const PROVIDER_NAMES = ['openai', 'azure', 'openai_compatible', 'anthropic'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface ProviderCapabilities {
  /** `file`: requests go up as a JSONL file, then a batch names it; `inline`: in the create call. */
  readonly input: 'file' | 'inline';
  readonly maxRequestsPerBatch: number;
  readonly maxBytesPerBatch: number;
  /** The completion windows the provider accepts; the first is the one slicebatch asks for. */
  readonly completionWindows: readonly string[];
  /**
   * Batches carry our metadata: a batch whose create answer was lost is found again by it
   * (exactly once). Without it, the adapter says how it matches instead (docs/providers.md).
   */
  readonly metadata: boolean;
  /**
   * What a request line's `model` is: `model` (the model's own name), `deployment` (Azure: the
   * name of a deployment, mapped from the model in config), `mapped` (a compatible server's
   * model names, mapped from ours in its profile).
   */
  readonly modelNaming: 'model' | 'deployment' | 'mapped';
  /**
   * How prompt tokens are counted for the budget and the estimate: `tiktoken` (exact for
   * OpenAI models), `approximate` (another tokenizer: the figure is an estimate), or
   * `provider` (the provider counts them).
   */
  readonly tokenCounting: 'tiktoken' | 'approximate' | 'provider';
  /** Seconds the input file may be asked to live (`expires_after`), or null: not supported. */
  readonly fileExpiry: { readonly minS: number; readonly maxS: number } | null;
  /** Seconds the output files may be asked to live (`output_expires_after`), or null. */
  readonly outputExpiry: { readonly minS: number; readonly maxS: number } | null;
}

/** A provider's adapter: the operations, its name, and what it can do. */
export interface ProviderApi extends BatchApi {
  readonly provider: ProviderName;
  readonly capabilities: ProviderCapabilities;
}
