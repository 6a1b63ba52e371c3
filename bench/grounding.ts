/**
 * Grounding benchmark: poll's fates of one full batch (50,000 scenario 1 requests of generated
 * code, their answers in a shuffled results file, a tenth of them ungrounded), decided with and
 * without the grounding check, each in its own process: wall time and peak RSS.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.ts';
import { createRequestBuilder, scenarioSpec } from '../src/convert/request-builder.ts';
import { scenario1Values } from '../src/domain/slice-fields.ts';
import { parseSliceLine } from '../src/domain/parse-slice.ts';
import { tokenCounters } from '../src/domain/token-counter.ts';
import { prng } from '../src/emulator/ids.ts';
import { respond, type ChatBody } from '../src/emulator/responder.ts';
import { createSliceGenerator } from '../test/support/slice-generator.ts';
import { runChild, type ChildRun } from './child.ts';

export interface GroundingBench {
  readonly requests: number;
  readonly inputMb: number;
  readonly resultsMb: number;
  readonly off: ChildRun;
  readonly on: ChildRun;
  readonly ungrounded: number;
}

async function write(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const line of lines) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
}

export async function benchGrounding(root: string, requests = 50_000): Promise<GroundingBench> {
  const work = await mkdtemp(join(tmpdir(), 'bench-grounding-'));
  try {
    const config = parseConfig({}, 'bench');
    const builder = createRequestBuilder(
      scenarioSpec('scenario1', config.scenarios.scenario1, config.model),
    );
    const counter = await tokenCounters()('o200k_base');
    const gen = createSliceGenerator({ seed: 20, repository: 'bench', classRatio: 0 });
    const inputPath = join(work, 'scenario1_batch_input.jsonl');
    const results: string[] = [];
    const input = function* (): Generator<string> {
      for (let i = 0; i < requests; i++) {
        const parsed = parseSliceLine(JSON.stringify(gen.next()));
        if (!parsed.ok || parsed.slice.type !== 'function') throw new Error('not a function slice');
        const slice = parsed.slice;
        const customId = `scenario1_${slice.id}`;
        const rendered = builder.render(
          customId,
          scenario1Values(slice, 'bench', config.scenarios.scenario1.focus),
        );
        const body = (JSON.parse(rendered.line) as { body: ChatBody }).body;
        const completion = respond(customId, body, () => counter, {
          seed: 1,
          createdSeconds: 0,
          promptTokens: 0,
          ungrounded: i % 10 === 0,
        });
        results.push(
          `${JSON.stringify({ id: `r${i}`, custom_id: customId, response: { status_code: 200, body: completion }, error: null })}\n`,
        );
        yield rendered.line;
      }
    };
    await write(inputPath, input());
    // Results come in no promised order: shuffled, so every request is read back at random.
    const rnd = prng(7);
    for (let i = results.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [results[i], results[j]] = [results[j]!, results[i]!];
    }
    const resultsPath = join(work, 'batch_results.jsonl');
    await write(resultsPath, results);
    results.length = 0;
    const main = join(root, 'bench', 'grounding-main.ts');
    const off = await runChild([main, inputPath, resultsPath, 'off']);
    const on = await runChild([main, inputPath, resultsPath, 'on']);
    const counts = JSON.parse(on.stdout) as { retry: number };
    return {
      requests,
      inputMb: (await stat(inputPath)).size / 1e6,
      resultsMb: (await stat(resultsPath)).size / 1e6,
      off,
      on,
      ungrounded: counts.retry,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
