/**
 * Who may use the listener. On loopback anyone on the machine may (as for /metrics); on any
 * other address a token is required (`http.token_file`), or the listener does not start. A
 * request shows the token as `Authorization: Bearer <token>` or in the cookie a browser gets
 * by opening any page once with `?token=<token>`. Compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { ConfigError } from '../errors.ts';

export const TOKEN_COOKIE = 'slicebatch_token';
const MIN_TOKEN_LENGTH = 16;

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '::ffff:127.0.0.1';
}

/** The token of `http.token_file`: its first line, at least 16 characters. */
export async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `"http.token_file": cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      'http.token_file',
    );
  }
  const token = text.split(/\r?\n/)[0]!.trim();
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(
      `"http.token_file": ${path} must hold a token of at least ${MIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 32 > ${path}\`)`,
      'http.token_file',
    );
  }
  return token;
}

/** Refuses a listener on another address than loopback without a token. */
export function requireTokenOffLoopback(host: string, token: string | undefined): void {
  if (token === undefined && !isLoopback(host)) {
    throw new ConfigError(
      `"http.listen" is ${host}, not loopback: set "http.token_file" to a file holding an access token, or listen on 127.0.0.1`,
      'http.token_file',
    );
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time comparison (of digests, so the lengths do not show either). */
export function tokenMatches(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/**
 * Lets the request through (true) or answers it (401, or a redirect that sets the cookie when
 * the token came in the query string, so that it leaves the address bar and the history).
 */
export function admit(
  req: IncomingMessage,
  res: ServerResponse,
  token: string | undefined,
): boolean {
  if (token === undefined) return true;
  const url = new URL(req.url ?? '/', 'http://localhost');
  const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (auth !== undefined && tokenMatches(auth, token)) return true;
  const cookie = cookieToken(req);
  if (cookie !== undefined && tokenMatches(cookie, token)) return true;
  const query = url.searchParams.get('token');
  if (query !== null && req.method === 'GET' && tokenMatches(query, token)) {
    url.searchParams.delete('token');
    res
      .writeHead(303, {
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        location: `${url.pathname}${url.search}`,
      })
      .end();
    return false;
  }
  res
    .writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' })
    .end(
      'a token is required: Authorization: Bearer <token>, or open the page once with ?token=<token>\n',
    );
  return false;
}
