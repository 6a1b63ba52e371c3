/**
 * The OpenAI-shaped providers other than OpenAI, through the official `openai` SDK:
 *
 * - Azure OpenAI: its `AzureOpenAI` client (the `api-key` header, `api-version` on every call,
 *   paths under `<endpoint>/openai/`). A request line's `model` goes up as the name of the
 *   model's deployment (the map in config; the model's own name when it has no entry), and its
 *   `url` without `/v1` (the dated API versions name `/chat/completions`).
 * - An OpenAI-compatible server (Groq and others with the same Files and Batches calls): the
 *   OpenAI client on its base URL, its completion window, its model names, and no expiry
 *   parameters (they are OpenAI's).
 *
 * Both go through batchApiOnClient (batch-api.ts): the same checks of every answer, the same
 * error classes, and no SDK retry of a create.
 */
import OpenAI, { AzureOpenAI } from 'openai';
import { batchApiOnClient, type BatchApi, type Dialect } from './batch-api.ts';
import { createHttpClient } from './http-client.ts';

const DEFAULT_TIMEOUT_MS = 600_000;

export interface AzureSettings {
  readonly apiKey: string;
  /** `https://<resource>.openai.azure.com` (the client adds `/openai`). */
  readonly endpoint: string;
  readonly apiVersion: string;
  /** Model → deployment name; a model without an entry is sent under its own name. */
  readonly deployments: Readonly<Record<string, string>>;
  readonly fileExpiry: Dialect['fileExpiry'];
  readonly outputExpiry: Dialect['outputExpiry'];
  readonly timeoutMs?: number | undefined;
  readonly maxRetries?: number | undefined;
}

/** `/v1/chat/completions` → `/chat/completions`, as the dated Azure API versions name it. */
export function azurePath(path: string): string {
  return path.startsWith('/v1/') ? path.slice(3) : path;
}

export function createAzureBatchApi(settings: AzureSettings): BatchApi {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const endpoint = settings.endpoint.replace(/\/+$/, '');
  const client = new AzureOpenAI({
    apiKey: settings.apiKey,
    apiVersion: settings.apiVersion,
    // Given whole, so that OPENAI_BASE_URL or AZURE_OPENAI_ENDPOINT never redirect it.
    baseURL: `${endpoint}/openai`,
    timeout: timeoutMs,
    maxRetries: settings.maxRetries ?? 2,
    fetch: createHttpClient(timeoutMs).fetch,
  });
  const deployment = (model: string): string => settings.deployments[model] ?? model;
  return batchApiOnClient(client, timeoutMs, {
    completionWindow: '24h',
    fileExpiry: settings.fileExpiry,
    outputExpiry: settings.outputExpiry,
    lines: { model: deployment, url: azurePath },
    endpoint: azurePath,
  });
}

export interface CompatibleSettings {
  readonly apiKey: string;
  readonly baseURL: string;
  readonly completionWindow: string;
  /** Our model → the server's name; a model without an entry is sent under its own name. */
  readonly models: Readonly<Record<string, string>>;
  readonly timeoutMs?: number | undefined;
  readonly maxRetries?: number | undefined;
}

export function createCompatibleBatchApi(settings: CompatibleSettings): BatchApi {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new OpenAI({
    apiKey: settings.apiKey,
    baseURL: settings.baseURL,
    timeout: timeoutMs,
    maxRetries: settings.maxRetries ?? 2,
    fetch: createHttpClient(timeoutMs).fetch,
  });
  const mapped = Object.keys(settings.models).length > 0;
  return batchApiOnClient(client, timeoutMs, {
    completionWindow: settings.completionWindow,
    fileExpiry: null,
    outputExpiry: null,
    lines: mapped ? { model: (m) => settings.models[m] ?? m } : {},
    endpoint: (e) => e,
  });
}
