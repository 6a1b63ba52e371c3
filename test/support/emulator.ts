/**
 * An emulator for a test: a manual clock, a fast schedule, and an SDK client pointed at it.
 * Closed when the test ends (tests leave nothing running).
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import OpenAI from 'openai';
import { ManualClock } from '../../src/emulator/clock.ts';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/emulator.ts';
import { FaultProfileSchema } from '../../src/emulator/faults.ts';

export const TEST_SCHEDULE = {
  validatingMs: 1000,
  msPerRequest: 100,
  finalizingMs: 1000,
  cancellingMs: 1000,
  completionWindowMs: 24 * 3600 * 1000,
} as const;

export interface TestEmulator {
  readonly emulator: Emulator;
  readonly clock: ManualClock;
  readonly client: OpenAI;
  /** Advances the clock and lets the emulator catch up. */
  advance(ms: number): Promise<void>;
}

export async function testEmulator(
  t: TestContext,
  options: Omit<EmulatorOptions, 'clock' | 'faults'> & {
    faults?: unknown;
    /** Where its clock starts (ms since the epoch); by default the real now, to the second. */
    clockStart?: number;
  } = {},
): Promise<TestEmulator> {
  const { clockStart, ...emulatorOptions } = options;
  const clock = new ManualClock(clockStart);
  const emulator = await startEmulator({
    ...emulatorOptions,
    clock,
    schedule: { ...TEST_SCHEDULE, ...options.schedule },
    faults: FaultProfileSchema.parse(options.faults ?? {}),
    tickMs: 0,
    onError: (err) => {
      throw err;
    },
  });
  t.after(() => emulator.close());
  const client = new OpenAI({
    baseURL: emulator.url,
    apiKey: 'sk-test-emulator-key',
    maxRetries: 0,
  });
  return {
    emulator,
    clock,
    client,
    async advance(ms: number) {
      await emulator.settle();
      clock.advance(ms);
      await emulator.settle();
    },
  };
}

/** A batch input line for /v1/chat/completions. */
export function requestLine(customId: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You explain code.' },
        { role: 'user', content: `Explain the function of ${customId}.` },
      ],
      max_completion_tokens: 200,
    },
    ...overrides,
  });
}

/** Writes a batch input file of `n` requests (custom_ids `<prefix>_<i>`) and uploads it. */
export async function uploadRequests(
  env: TestEmulator,
  dir: string,
  n: number,
  options: { prefix?: string; name?: string; lines?: string[] } = {},
) {
  const name = options.name ?? `input_${n}.jsonl`;
  const path = join(dir, name);
  const lines =
    options.lines ??
    Array.from({ length: n }, (_, i) => requestLine(`${options.prefix ?? 'req'}_${i}`));
  await writeFile(path, lines.map((l) => `${l}\n`).join(''));
  return env.client.files.create({ file: createReadStream(path), purpose: 'batch' });
}

export async function downloadLines(
  client: OpenAI,
  fileId: string | null | undefined,
): Promise<any[]> {
  if (!fileId) return [];
  const res = await client.files.content(fileId);
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/**
 * Runs one request line alone in a batch on `endpoint` and gives what the emulator answered:
 * its custom_id, status code and error (null when it answered).
 */
export async function answerOfOneLine(
  env: TestEmulator,
  dir: string,
  name: string,
  endpoint: '/v1/chat/completions' | '/v1/responses',
  line: string,
): Promise<[string, number, unknown]> {
  const file = await uploadRequests(env, dir, 1, { name, lines: [line] });
  const created = await env.client.batches.create({
    input_file_id: file.id,
    endpoint,
    completion_window: '24h',
  });
  await env.advance(60_000);
  const batch = await env.client.batches.retrieve(created.id);
  const [error] = await downloadLines(env.client, batch.error_file_id);
  const [output] = await downloadLines(env.client, batch.output_file_id);
  const got = error ?? output;
  return [got.custom_id, got.response.status_code, got.response.body.error ?? null];
}
