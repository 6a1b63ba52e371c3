/**
 * The HTTP client under the SDK: undici from npm (>= 8.6), not the copy bundled with Node.
 * Node's copy (undici 7.x in Node 22 and 24) dies with an uncatchable `assert(!this.paused)`
 * when a server closes the connection while a response body is paused under backpressure or
 * not read yet (undici issue 5360, fixed in 8.6): a large results download, written to a disk
 * slower than the network, could take the daemon down. undici 8 runs on Node >= 22.19.
 *
 * `request_timeout_ms` is the time one call may take: its headers (`headersTimeout`), any
 * silence in its body (`bodyTimeout`), and, for a download (batch-api.ts), its whole body.
 */
import type OpenAI from 'openai';
import { Agent, EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import { SlicebatchError } from '../errors.ts';

type SdkFetch = NonNullable<ConstructorParameters<typeof OpenAI>[0]>['fetch'];

export interface HttpClient {
  /** For the SDK's `fetch` option. */
  readonly fetch: NonNullable<SdkFetch>;
  close(): Promise<void>;
}

/**
 * `useEnvProxy`: go through HTTP_PROXY / HTTPS_PROXY (NO_PROXY honoured), as Node's own fetch
 * does when NODE_USE_ENV_PROXY=1 is set; by default, exactly then.
 */
export function createHttpClient(
  timeoutMs: number,
  useEnvProxy = process.env['NODE_USE_ENV_PROXY'] === '1',
): HttpClient {
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  const agent = useEnvProxy ? new EnvHttpProxyAgent(timeouts) : new Agent(timeouts);
  const fetch = ((input: Parameters<typeof undiciFetch>[0], init?: object) =>
    undiciFetch(input, { ...init, dispatcher: agent })) as unknown as NonNullable<SdkFetch>;
  return { fetch, close: () => agent.close() };
}

/** A download that did not finish within `request_timeout_ms`; what arrived is kept. */
export class DownloadTimeoutError extends SlicebatchError {
  constructor(fileId: string, timeoutMs: number, bytes: number) {
    super(
      'download_timeout',
      `the download of ${fileId} did not finish within request_timeout_ms (${timeoutMs} ms); ${bytes} bytes kept, the rest is asked for next time`,
    );
  }
}
