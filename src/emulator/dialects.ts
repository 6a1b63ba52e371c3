/**
 * How each OpenAI-shaped provider's API differs, as the emulator speaks it
 * (`slicebatch emulator --provider openai|azure|openai_compatible`). The routes, batches and
 * fault kinds are the same for all; a dialect changes what the client must get right:
 *
 * - azure: paths under `/openai/` (not `/v1/`), the `api-version` query on every call, the key
 *   in the `api-key` header; request lines name `/chat/completions` and, as `model`, one of the
 *   resource's global batch deployments; 100,000 requests per file; `expires_after` and
 *   `output_expires_after` of 14 to 30 days.
 * - openai_compatible (the groq profile): paths under `/openai/v1/`, completion windows of
 *   24h to 7d, the server's own model names, no expiry parameters.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError, apiErrors } from './api-errors.ts';

export const EMULATOR_PROVIDERS = ['openai', 'azure', 'openai_compatible'] as const;
export type EmulatorProvider = (typeof EMULATOR_PROVIDERS)[number];

export interface EmulatorDialect {
  readonly provider: EmulatorProvider;
  /** The request's path as the routes know it (`/v1/...`); throws the provider's auth error. */
  readonly route: (
    req: IncomingMessage,
    url: URL,
    apiKeys: readonly string[] | undefined,
  ) => string;
  /** The prefix of its base URL (after the host). */
  readonly basePath: string;
  /** A batch endpoint as sent, as the routes know it (`/v1/chat/completions`). */
  readonly endpoint: (sent: unknown) => unknown;
  /** A request line's url as sent, as the routes know it. */
  readonly lineUrl: (sent: unknown) => unknown;
  readonly completionWindows: readonly string[];
  readonly fileExpiry: { readonly minS: number; readonly maxS: number } | null;
  readonly outputExpiry: { readonly minS: number; readonly maxS: number } | null;
  readonly maxRequestsPerBatch: number;
  /** Why a request line's model is not served (undefined: it is). */
  readonly checkModel: (model: string) => string | undefined;
}

const DAY_S = 86_400;

function bearer(req: IncomingMessage, apiKeys: readonly string[] | undefined): void {
  const key = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
  if (!key) throw apiErrors.missingKey();
  if (apiKeys !== undefined && !apiKeys.includes(key)) throw apiErrors.wrongKey();
}

/** Under `prefix`, as `/v1/...`; elsewhere an unknown route. */
function under(url: URL, prefix: string): string {
  const path = url.pathname.replace(/\/+$/, '');
  if (!path.startsWith(`${prefix}/`)) return path === '' ? '/' : `/unknown${path}`;
  return `/v1${path.slice(prefix.length)}`;
}

export const OPENAI_EMULATOR_DIALECT: EmulatorDialect = {
  provider: 'openai',
  basePath: '/v1',
  route(req, url, apiKeys) {
    bearer(req, apiKeys);
    return url.pathname.replace(/\/+$/, '');
  },
  endpoint: (e) => e,
  lineUrl: (u) => u,
  completionWindows: ['24h'],
  fileExpiry: { minS: 3600, maxS: 30 * DAY_S },
  outputExpiry: { minS: 3600, maxS: 30 * DAY_S },
  maxRequestsPerBatch: 50_000,
  checkModel: () => undefined,
};

const withV1 = (u: unknown): unknown =>
  typeof u === 'string' && u.startsWith('/') && !u.startsWith('/v1/') ? `/v1${u}` : u;

/** `deployments`: the names of the resource's global batch deployments (any name when empty). */
export function azureEmulatorDialect(deployments: readonly string[]): EmulatorDialect {
  return {
    provider: 'azure',
    basePath: '/openai',
    route(req, url, apiKeys) {
      const key = req.headers['api-key'];
      if (typeof key !== 'string' || key.trim() === '') {
        throw new ApiError(
          401,
          'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
          { code: '401' },
        );
      }
      if (apiKeys !== undefined && !apiKeys.includes(key.trim())) {
        throw new ApiError(401, 'Access denied due to invalid subscription key.', { code: '401' });
      }
      if (!url.searchParams.has('api-version')) {
        throw new ApiError(404, 'Resource not found', { code: '404' });
      }
      return under(url, '/openai');
    },
    // The dated API versions name endpoints without /v1; the v1 API with it. Both are taken.
    endpoint: withV1,
    lineUrl: withV1,
    completionWindows: ['24h'],
    fileExpiry: { minS: 14 * DAY_S, maxS: 30 * DAY_S },
    outputExpiry: { minS: 14 * DAY_S, maxS: 30 * DAY_S },
    maxRequestsPerBatch: 100_000,
    checkModel: (model) =>
      deployments.length === 0 || deployments.includes(model)
        ? undefined
        : `The model '${model}' is not a global batch deployment of this resource (deployments: ${deployments.join(', ')}). Each request line's model must be the name of a deployment.`,
  };
}

/** `models`: the server's model names (any name when empty). */
export function compatibleEmulatorDialect(models: readonly string[]): EmulatorDialect {
  return {
    provider: 'openai_compatible',
    basePath: '/openai/v1',
    route(req, url, apiKeys) {
      bearer(req, apiKeys);
      return under(url, '/openai/v1');
    },
    endpoint: (e) => e,
    lineUrl: (u) => u,
    completionWindows: ['24h', '48h', '72h', '7d'],
    fileExpiry: null,
    outputExpiry: null,
    maxRequestsPerBatch: 50_000,
    checkModel: (model) =>
      models.length === 0 || models.includes(model)
        ? undefined
        : `The model '${model}' does not exist or you do not have access to it (served: ${models.join(', ')}).`,
  };
}

export function emulatorDialect(
  provider: EmulatorProvider,
  models: readonly string[] = [],
): EmulatorDialect {
  switch (provider) {
    case 'openai':
      return OPENAI_EMULATOR_DIALECT;
    case 'azure':
      return azureEmulatorDialect(models);
    case 'openai_compatible':
      return compatibleEmulatorDialect(models);
  }
}
