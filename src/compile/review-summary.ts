/**
 * `review_summary_<ts>.md`: a short human summary of a compiled dataset. Pure.
 */
import type { FailureCategory } from './failure-categories.ts';
import type { DatasetStatistics } from './dataset-statistics.ts';

const WHAT: Record<FailureCategory, string> = {
  rejected: 'line rejected (not a valid slice)',
  final: 'no usable result, for good',
  ungrounded: 'answer quotes code the slice does not have',
  refused: 'refused by the model or stopped by the content filter',
  empty_answer: 'answer with blank texts',
  excluded_by_reviewer: 'answer excluded by a reviewer',
  over_token_limit: 'chat example over the fine-tuning token limit',
  fine_tuning_format: "chat example failing OpenAI's fine-tuning format checks",
  pending: 'result still to come',
  not_submitted: 'batch input file not submitted yet',
  not_converted: 'not converted (caps, or added since)',
};

const n = (x: number): string => x.toLocaleString('en-US');

export function reviewSummary(
  stats: DatasetStatistics,
  files: {
    train: string;
    val: string;
    failures: string;
    statistics: string;
    hfDataset?: string;
  },
): string {
  const rate =
    stats.parse_success_rate === null ? 'n/a' : `${(stats.parse_success_rate * 100).toFixed(2)} %`;
  const lines = [
    `# Dataset review summary`,
    '',
    `Compiled ${stats.generated_at} in the ${stats.format} format: **${n(stats.total_records)} records**, ` +
      `${n(stats.train_records)} for training and ${n(stats.val_records)} for validation ` +
      `(train ratio ${stats.train_ratio}, seed ${stats.seed}).`,
    '',
    '| repo folder | scenario 1 (functions) | scenario 2 (classes) | total |',
    '| --- | ---: | ---: | ---: |',
    ...Object.entries(stats.by_repo).map(
      ([repo, c]) => `| ${repo} | ${n(c.scenario1)} | ${n(c.scenario2)} | ${n(c.total)} |`,
    ),
    `| **all** | ${n(stats.by_scenario.scenario1)} | ${n(stats.by_scenario.scenario2)} | ${n(stats.total_records)} |`,
    '',
    `- Responses received: ${n(stats.responses_received)}, usable: ${n(stats.responses_usable)} (parse success rate ${rate}).`,
    `- Ungrounded answers (scenario 1, quoting code the slice does not have): ${n(stats.failures.by_category.ungrounded)} (${stats.ungrounded_rate === null ? 'n/a' : `${(stats.ungrounded_rate * 100).toFixed(2)} %`} of the scenario 1 slices answered).`,
    `- Average reasoning steps (scenario 1): ${stats.average_reasoning_steps ?? 'n/a'}; average decision points (scenario 2): ${stats.average_decision_points ?? 'n/a'}.`,
  ];
  const ft = stats.fine_tuning;
  if (ft !== undefined) {
    const errors = Object.entries(ft.format_errors).filter(([, c]) => c > 0);
    const dist = (d: { min: number; mean: number; max: number } | null): string =>
      d === null ? 'n/a' : `${n(d.min)} / ${n(d.mean)} / ${n(d.max)}`;
    lines.push(
      `- OpenAI's fine-tuning checks for ${ft.model} (limit ${n(ft.max_tokens_per_example)} tokens per example): ` +
        `${n(ft.examples_checked)} examples checked, ${n(ft.examples_kept)} kept; ` +
        `${n(ft.over_token_limit)} over the limit; format errors: ${
          errors.length === 0 ? 'none' : errors.map(([k, c]) => `${k} ${n(c)}`).join(', ')
        }.`,
      `- Tokens per example (min / mean / max): ${dist(ft.tokens_per_example)}; messages per example: ${dist(ft.messages_per_example)}; ` +
        `${n(ft.billing_tokens_per_epoch)} training tokens per epoch.`,
    );
  }
  if (stats.orphan_results > 0) {
    lines.push(
      `- ${n(stats.orphan_results)} usable answers belong to slices no longer in the reviewed files.`,
    );
  }
  lines.push('');
  if (stats.failures.total === 0) {
    lines.push('Every slice of the reviewed files has a record.');
  } else {
    lines.push(
      `**${n(stats.failures.total)} slices have no record**, each listed with its reason in \`${files.failures}\`:`,
      '',
    );
    for (const [category, count] of Object.entries(stats.failures.by_category)) {
      if (count > 0)
        lines.push(`- ${category}: ${n(count)} (${WHAT[category as FailureCategory]})`);
    }
  }
  lines.push(
    '',
    `Files: \`${files.train}\`, \`${files.val}\`, \`${files.statistics}\`, and one \`scenario{1,2}_processed\` file per repo folder.`,
  );
  if (files.hfDataset !== undefined) {
    lines.push(
      `The Hugging Face layout (dataset card, splits, Parquet when configured): \`${files.hfDataset}/\`.`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
