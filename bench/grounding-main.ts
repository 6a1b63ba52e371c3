/**
 * Child process of the grounding benchmark: the fates of one batch's results file, as poll
 * decides them, with the grounding check (`on`) or without it (`off`).
 */
import { parseConfig } from '../src/config/load.ts';
import { readLineBatches } from '../src/storage/jsonl-lines.ts';
import { openGroundingCheck } from '../src/poll/grounding-check.ts';
import { lineFate, type ResultLine } from '../src/poll/request-fate.ts';

const [inputPath, resultsPath, mode] = process.argv.slice(2);
const config = parseConfig({ grounding: { enabled: mode === 'on' } }, 'bench');
const started = performance.now();
const check = await openGroundingCheck({
  inputPath: inputPath!,
  template: config.scenarios.scenario1.prompt_template,
  settings: config.grounding,
  maxAttempts: config.retry.max_attempts,
  requestAttempt: 1,
  warn: (m) => process.stderr.write(`${m}\n`),
});
const counts = { usable: 0, retry: 0, final: 0 };
for await (const batch of readLineBatches(resultsPath!)) {
  for (const raw of batch) {
    if (raw.kind !== 'text') continue;
    const line = JSON.parse(raw.text) as ResultLine;
    counts[check.fateOf(line, lineFate(line, { cancelledByUs: false })).kind]++;
  }
}
await check.close();
process.stdout.write(
  `${JSON.stringify({ ...counts, seconds: (performance.now() - started) / 1000 })}\n`,
);
