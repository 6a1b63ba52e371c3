/**
 * A pipeline run in which the model refuses one slice and the content filter stops another:
 * six function slices of `repo_f` converted, the first refused, the second filtered, the rest
 * answered; the pipeline settled.
 */
import type { TestContext } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { convert, customIdOf, sliceSource, writeInbox } from './dataset.ts';
import { testEmulator } from './emulator.ts';
import { testPipeline } from './pipeline.ts';
import { tempDir } from './temp-dir.ts';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function settledWithRefusals(t: TestContext) {
  const data = await tempDir(t);
  const slices = sliceSource('repo_f', 91)(6);
  await writeInbox(data, 'repo_f/s.jsonl', slices);
  await convert(data, parseConfig({}, 'test'));
  const [refused, filtered] = [customIdOf(slices[0]!), customIdOf(slices[1]!)];
  const env = await testEmulator(t, {
    faults: {
      requests: [
        { kind: 'refusal', custom_id: `^${escape(refused)}` },
        { kind: 'content_filter', custom_id: `^${escape(filtered)}` },
      ],
    },
  });
  const p = await testPipeline(t, env, data);
  await p.settle();
  return { data, slices, p };
}
