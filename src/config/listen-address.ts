/**
 * `http.listen`: `host:port`, `:port` or a bare port (loopback). Parsed here, once, for the
 * configuration check and for the listener; a host is an IP address (IPv6 in brackets) or a
 * host name, never a wildcard such as `*`.
 */
import { isIP } from 'node:net';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** A DNS host name: labels of letters, digits and inner hyphens. */
const HOST_NAME = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/;

const ALL_INTERFACES = 'write 0.0.0.0:PORT (IPv4) or [::]:PORT (every interface)';

/** The address, or a sentence saying what is wrong with it (without the setting's name). */
export function parseListenAddress(listen: string): ListenAddress | string {
  const m = /^(?:(.*):)?(\d{1,5})$/.exec(listen.trim());
  const port = Number(m?.[2]);
  if (m === null || port > 65535) {
    return `${JSON.stringify(listen)} is not host:port (e.g. 127.0.0.1:9464)`;
  }
  const raw = m[1] ?? '';
  const bracketed = /^\[(.*)\]$/.exec(raw);
  const host = bracketed?.[1] ?? raw;
  if (host === '') return { host: '127.0.0.1', port };
  if (bracketed !== null ? isIP(host) === 6 : isIP(host) === 4 || HOST_NAME.test(host)) {
    return { host, port };
  }
  if (host === '*') {
    return `${JSON.stringify(listen)}: "*" is not a host; to listen on every interface ${ALL_INTERFACES}`;
  }
  return `${JSON.stringify(listen)}: ${JSON.stringify(host)} is not an IP address or host name (IPv6 goes in brackets: [::1]:9464)`;
}

/** Whether only this machine can reach the address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return /^(?:0{0,4}:){7}0{0,3}1$|^::ffff:127\./.test(h);
  return false;
}
