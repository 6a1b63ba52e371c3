/**
 * What the provider conformance suite (provider-conformance.ts) asks of each provider's test
 * harness, and the helpers its checks share: request lines in our form, a batch waited for on
 * the emulator's clock.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { ProviderApi, RemoteBatch } from '../../src/providers/port.ts';
import { isTerminal } from '../../src/domain/batch-status.ts';
import { requestLine } from './emulator.ts';

export interface ConformanceHarness {
  readonly api: ProviderApi;
  /** Moves the emulator's clock on, and lets it catch up. */
  advance(ms: number): Promise<void>;
  /** Batches the emulator created (each is paid for). */
  batchesCreated(): number;
}

export interface ConformanceOptions {
  /** The emulator's fault profile (FaultProfileSchema input). */
  readonly faults?: unknown;
  /** The model the request lines name (ours). */
  readonly model: string;
}

export type MakeHarness = (
  t: TestContext,
  options: ConformanceOptions,
) => Promise<ConformanceHarness>;

export const MODEL = 'gpt-4o-mini';

export async function inputFile(dir: string, name: string, ids: string[]): Promise<string> {
  const path = join(dir, name);
  const lines = ids.map((id) =>
    requestLine(id, {}).replace(
      '"model":"gpt-4o-mini"',
      JSON.stringify({ model: MODEL }).slice(1, -1),
    ),
  );
  await writeFile(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

export async function untilEnded(h: ConformanceHarness, id: string): Promise<RemoteBatch> {
  for (let i = 0; i < 100; i++) {
    const b = await h.api.retrieveBatch(id);
    if (isTerminal(b.status)) return b;
    await h.advance(1000);
  }
  assert.fail(`batch ${id} did not end`);
}

export const META = { slicebatch_sha256: 'c0ffee', slicebatch_attempt: '1' };

/** The lines of a file the adapter downloads. */
export async function downloaded(
  h: ConformanceHarness,
  id: string,
  to: string,
): Promise<Record<string, any>[]> {
  await h.api.downloadFile(id, to);
  return (await readFile(to, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
}
