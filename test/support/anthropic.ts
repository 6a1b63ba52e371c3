/**
 * The Anthropic Message Batches emulator for a test (a manual clock, a fast schedule) and the
 * Anthropic adapter pointed at it. Closed when the test ends.
 */
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { createAnthropicBatchApi } from '../../src/anthropic/anthropic-batch-api.ts';
import {
  startAnthropicEmulator,
  type AnthropicEmulator,
  type AnthropicEmulatorOptions,
} from '../../src/emulator/anthropic/anthropic-emulator.ts';
import { FaultProfileSchema } from '../../src/emulator/faults.ts';
import type { BatchApi } from '../../src/openai/batch-api.ts';
import { TEST_SCHEDULE } from './emulator.ts';

export interface TestAnthropic {
  readonly emulator: AnthropicEmulator;
  readonly clock: ManualClock;
  advance(ms: number): Promise<void>;
  /** An adapter on `stateDir` (its own files), with SDK retries as given. */
  api(stateDir: string, options?: { maxRetries?: number; warn?: (m: string) => void }): BatchApi;
}

export async function testAnthropic(
  t: TestContext,
  options: Omit<AnthropicEmulatorOptions, 'clock' | 'faults'> & { faults?: unknown } = {},
): Promise<TestAnthropic> {
  const clock = new ManualClock();
  const emulator = await startAnthropicEmulator({
    ...options,
    clock,
    schedule: { ...TEST_SCHEDULE, ...options.schedule },
    faults: FaultProfileSchema.parse(options.faults ?? {}),
    tickMs: 0,
  });
  t.after(() => emulator.close());
  return {
    emulator,
    clock,
    async advance(ms) {
      await emulator.settle();
      clock.advance(ms);
      await emulator.settle();
    },
    api: (stateDir, o = {}) =>
      createAnthropicBatchApi({
        apiKey: 'sk-ant-test-key',
        baseURL: emulator.url,
        maxRetries: o.maxRetries ?? 0,
        store: join(stateDir, 'anthropic'),
        clock,
        warn: o.warn,
      }),
  };
}
