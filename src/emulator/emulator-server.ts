/**
 * What the OpenAI and Anthropic emulators share around their routes: the state folder (a given
 * one kept, or a temporary one removed at close), the node:http server on a host and port (0: a
 * free one) and the origin clients use, batches moved on a timer with the system clock, and one
 * close (idempotent) that stops the timer and every connection, then releases the emulator's own
 * state.
 */
import { createServer, type RequestListener } from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Schedule } from './batch-lifecycle.ts';
import type { EmulatorClock } from './clock.ts';
import type { FaultProfile } from './faults.ts';

/** The options both emulators (OpenAI-shaped and Anthropic) take. */
export interface CommonEmulatorOptions {
  readonly host?: string;
  /** 0 (default): a free port. */
  readonly port?: number;
  /** Keep files and batches here across restarts; a temporary folder otherwise. */
  readonly stateDir?: string | undefined;
  readonly clock?: EmulatorClock;
  readonly schedule?: Partial<Schedule>;
  readonly faults?: FaultProfile;
  readonly seed?: number;
}

export interface EmulatorRoot {
  readonly root: string;
  /** The folder was given: its files and batches outlive the emulator. */
  readonly persist: boolean;
  /** Removes a temporary folder; keeps a given one. */
  release(): Promise<void>;
}

export async function emulatorRoot(
  stateDir: string | undefined,
  prefix: string,
): Promise<EmulatorRoot> {
  const persist = stateDir !== undefined;
  const root = stateDir ?? (await mkdtemp(join(tmpdir(), prefix)));
  await mkdir(root, { recursive: true });
  return {
    root,
    persist,
    release: async () => {
      if (!persist) await rm(root, { recursive: true, force: true });
    },
  };
}

export interface ServeOptions {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  /** Moves the batches along as far as the clock allows. */
  readonly tick: () => void;
  /** How often to tick on a timer; 0: only on requests and the emulator's tick(). */
  readonly tickMs: number;
  /** The emulator's own cleanup, after the server has stopped. */
  readonly release: () => Promise<void>;
}

export interface EmulatorServer {
  /** `http://host:port` (an IPv6 host in brackets). */
  readonly origin: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function serveEmulator(
  handler: RequestListener,
  options: ServeOptions,
): Promise<EmulatorServer> {
  const server = createServer(handler);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const timer = options.tickMs > 0 ? setInterval(() => options.tick(), options.tickMs) : undefined;
  timer?.unref();
  let closing: Promise<void> | undefined;
  return {
    origin: `http://${host}:${address.port}`,
    port: address.port,
    close() {
      closing ??= (async () => {
        if (timer !== undefined) clearInterval(timer);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await options.release();
      })();
      return closing;
    },
  };
}
