/**
 * `slicebatch estimate`'s report for people (pure): a table of what is waiting (requests,
 * exact prompt tokens, assumed output tokens and cost per source, scenario and model, and the
 * total), the duplicates not sent, the output-token assumption, each model's prices (or that it
 * has none), and what a compatible server's own tokenizer may change.
 */
import type { Config } from '../../config/schema.ts';
import type { Scenario } from '../../domain/answer-schemas.ts';
import { formatCount, formatUsd, table } from '../../format.ts';
import type { DuplicateSavings } from '../../status/duplicate-savings.ts';
import type { Estimate } from '../../status/estimate.ts';

export function estimateText(
  estimate: Estimate,
  duplicates: DuplicateSavings | undefined,
  assumption: Readonly<Record<Scenario, number>>,
  provider: Config['provider'],
): string {
  const out: string[] = [];
  if (estimate.rows.length === 0) {
    out.push(
      'Nothing is waiting: every reviewed slice is converted and every batch input file submitted.',
    );
  } else {
    out.push(`What is waiting, at ${provider} batch prices:`);
    out.push(waitingTable(estimate));
  }
  if (duplicates !== undefined) {
    out.push(
      `Duplicates not sent (dedup): ${formatCount(duplicates.requests)} requests, ${formatCount(duplicates.promptTokens)} prompt tokens, about ${formatUsd(duplicates.savedUsd)} saved (not in the total).`,
    );
  }
  out.push(
    `Output tokens are an assumption: ${formatCount(assumption.scenario1)} per scenario 1 request, ${formatCount(assumption.scenario2)} per scenario 2 request (estimate.output_tokens); prompt tokens are counted exactly.`,
  );
  for (const model of new Set(estimate.rows.map((r) => r.model))) {
    const price = estimate.rows.find((r) => r.model === model)?.price;
    out.push(
      price === undefined
        ? `${model}: no price in config.json "prices": its cost is not in the total.`
        : `${model}: $${price.input} in, $${price.output} out per 1M tokens (batch prices, "prices" in config.json).`,
    );
  }
  if (provider === 'openai_compatible') {
    out.push(
      "Provider openai_compatible: prompt tokens are counted with OpenAI's tokenizer; the server's own tokenizer may count differently.",
    );
  }
  return `${out.join('\n')}\n`;
}

/** The table of what is waiting, with its total row. */
function waitingTable(estimate: Estimate): string {
  return table([
    [
      '',
      'scenario',
      'model',
      'requests',
      'prompt tokens (exact)',
      'output tokens (assumed)',
      'cost',
    ],
    ...estimate.rows.map((r) => [
      r.what === 'reviewed_slices' ? 'slices not converted' : 'files not submitted',
      r.scenario,
      r.model,
      formatCount(r.requests),
      formatCount(r.promptTokens),
      `${formatCount(r.outputTokens)} (${formatCount(r.assumedOutputTokensPerRequest)} each)`,
      r.costUsd === undefined ? 'no price' : formatUsd(r.costUsd),
    ]),
    [
      'total',
      '',
      '',
      formatCount(estimate.totals.requests),
      formatCount(estimate.totals.promptTokens),
      formatCount(estimate.totals.outputTokens),
      formatUsd(estimate.totals.costUsd),
    ],
  ]);
}
