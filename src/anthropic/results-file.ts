/**
 * An ended batch's results, streamed through the SDK's `results()` (the JSONL at `results_url`),
 * translated line by line (translate-result.ts) into our output and error files, with our
 * custom_ids restored and the usage summed for the cost. Written to temporary names and renamed
 * when whole, so a half-read stream leaves nothing that looks finished.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { BatchUsage } from '../openai/remote-types.ts';
import { translateResult, type AnthropicResultLine } from './translate-result.ts';
import { indexOfMapped } from './translate-request.ts';

async function put(out: WriteStream, text: string): Promise<void> {
  if (!out.write(`${text}\n`)) await once(out, 'drain');
}

async function finish(out: WriteStream): Promise<void> {
  out.end();
  await once(out, 'finish');
}

export async function writeResultFiles(params: {
  readonly lines: AsyncIterable<AnthropicResultLine>;
  readonly key: string;
  /** Our custom_ids by request index. */
  readonly ids: readonly string[];
  readonly resultsPath: string;
  readonly errorsPath: string;
  readonly nowS: number;
}): Promise<BatchUsage> {
  const { key, ids } = params;
  const tmp = (p: string): string => `${p}.part`;
  const results = createWriteStream(tmp(params.resultsPath));
  const errors = createWriteStream(tmp(params.errorsPath));
  results.on('error', () => undefined);
  errors.on('error', () => undefined);
  let input = 0;
  let output = 0;
  let cached = 0;
  try {
    for await (const line of params.lines) {
      const index = indexOfMapped(key, line.custom_id);
      // A line of another submission's id cannot be one of ours: it is kept under its own id,
      // so that poll reports it as not sent rather than losing it silently.
      const ours = index === undefined ? line.custom_id : (ids[index] ?? line.custom_id);
      const t = translateResult(line, ours, params.nowS);
      input += t.usage.input;
      output += t.usage.output;
      cached += t.usage.cached;
      await put(t.file === 'results' ? results : errors, t.line);
    }
    await finish(results);
    await finish(errors);
  } catch (err) {
    results.destroy();
    errors.destroy();
    await rm(tmp(params.resultsPath), { force: true });
    await rm(tmp(params.errorsPath), { force: true });
    throw err;
  }
  await rename(tmp(params.resultsPath), params.resultsPath);
  await rename(tmp(params.errorsPath), params.errorsPath);
  return {
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
    input_tokens_details: { cached_tokens: cached },
  };
}
