/**
 * The figures of a compiled dataset (`dataset_statistics_<ts>.json`), counted as records and
 * failures are written. Pure.
 *
 *   records by repo folder and by scenario, and per split
 *   parse success rate: usable answers / responses received (the 200 answers in the results
 *     files of finished batches, every attempt)
 *   average reasoning steps (scenario 1 `reasoning_trace.steps`) and average decision points
 *     (scenario 2 `reasoning_trace.analysis_steps`) per record
 *   ungrounded rate: scenario 1 slices left with an ungrounded answer / those with a record or
 *     such an answer
 *   failures by category (see failure-categories.ts)
 *   chat format: OpenAI's fine-tuning checks (fine-tuning-checks.ts)
 */
import type { Scenario } from '../domain/answer-schemas.ts';
import { FAILURE_CATEGORY_LIST, type FailureCategory } from './failure-categories.ts';
import type { FineTuningStatistics } from './fine-tuning-checks.ts';
import type { DatasetFormat } from './record-format.ts';

/** How the top of the inbox (no repo folder) is named in the statistics. */
export const TOP_LEVEL_REPO = '.';

export function repoLabel(repo: string): string {
  return repo === '' ? TOP_LEVEL_REPO : repo;
}

export interface DatasetStatistics {
  readonly generated_at: string;
  readonly format: DatasetFormat;
  readonly train_ratio: number;
  readonly seed: number;
  readonly total_records: number;
  readonly train_records: number;
  readonly val_records: number;
  readonly by_repo: Record<string, { scenario1: number; scenario2: number; total: number }>;
  readonly by_scenario: Record<Scenario, number>;
  readonly responses_received: number;
  readonly responses_usable: number;
  /** usable / received, 0..1 (4 decimals); null when nothing was received. */
  readonly parse_success_rate: number | null;
  /**
   * Scenario 1 slices whose answer quoted code the slice does not have, also when sent again
   * (failure category `ungrounded`), out of those with a record or such an answer, 0..1 (4
   * decimals); null when there are none.
   */
  readonly ungrounded_rate: number | null;
  readonly average_reasoning_steps: number | null;
  readonly average_decision_points: number | null;
  /** Non-empty lines of the reviewed-slice files. */
  readonly reviewed_lines: number;
  /** Usable answers whose slice is in no reviewed-slice file any more. */
  readonly orphan_results: number;
  readonly failures: { total: number; by_category: Record<FailureCategory, number> };
  /** The chat format only: OpenAI's data-preparation checks of every example. */
  readonly fine_tuning?: FineTuningStatistics;
}

const round = (n: number, places: number): number => Math.round(n * 10 ** places) / 10 ** places;

function ungroundedRate(records: number, ungrounded: number): number | null {
  return records + ungrounded === 0 ? null : round(ungrounded / (records + ungrounded), 4);
}

export function createStatistics() {
  const byRepo = new Map<string, Record<Scenario, number>>();
  const byScenario: Record<Scenario, number> = { scenario1: 0, scenario2: 0 };
  const steps: Record<Scenario, number> = { scenario1: 0, scenario2: 0 };
  const byCategory = Object.fromEntries(FAILURE_CATEGORY_LIST.map((c) => [c, 0])) as Record<
    FailureCategory,
    number
  >;
  let received = 0;
  let usable = 0;
  let lines = 0;
  let orphans = 0;

  return {
    /** A repo folder appears in the statistics even without records. */
    repo(repo: string): void {
      if (!byRepo.has(repo)) byRepo.set(repo, { scenario1: 0, scenario2: 0 });
    },
    /** A record written; `reasoningSteps`: its steps (scenario 1) or decision points (2). */
    record(repo: string, scenario: Scenario, reasoningSteps: number): void {
      this.repo(repo);
      byRepo.get(repo)![scenario]++;
      byScenario[scenario]++;
      steps[scenario] += reasoningSteps;
    },
    failure(category: FailureCategory): void {
      byCategory[category]++;
    },
    received(n = 1): void {
      received += n;
    },
    usable(n = 1): void {
      usable += n;
    },
    orphan(): void {
      orphans++;
    },
    line(): void {
      lines++;
    },
    get failures(): number {
      return Object.values(byCategory).reduce((a, b) => a + b, 0);
    },
    get records(): number {
      return byScenario.scenario1 + byScenario.scenario2;
    },
    result(meta: {
      generatedAt: Date;
      format: DatasetFormat;
      trainRatio: number;
      seed: number;
      train: number;
      val: number;
      fineTuning?: FineTuningStatistics | undefined;
    }): DatasetStatistics {
      const by_repo: DatasetStatistics['by_repo'] = {};
      for (const repo of [...byRepo.keys()].sort()) {
        const c = byRepo.get(repo)!;
        by_repo[repoLabel(repo)] = { ...c, total: c.scenario1 + c.scenario2 };
      }
      const average = (s: Scenario): number | null =>
        byScenario[s] === 0 ? null : round(steps[s] / byScenario[s], 2);
      return {
        generated_at: meta.generatedAt.toISOString(),
        format: meta.format,
        train_ratio: meta.trainRatio,
        seed: meta.seed,
        total_records: this.records,
        train_records: meta.train,
        val_records: meta.val,
        by_repo,
        by_scenario: { ...byScenario },
        responses_received: received,
        responses_usable: usable,
        parse_success_rate: received === 0 ? null : round(usable / received, 4),
        ungrounded_rate: ungroundedRate(byScenario.scenario1, byCategory.ungrounded),
        average_reasoning_steps: average('scenario1'),
        average_decision_points: average('scenario2'),
        reviewed_lines: lines,
        orphan_results: orphans,
        failures: { total: this.failures, by_category: { ...byCategory } },
        ...(meta.fineTuning === undefined ? {} : { fine_tuning: meta.fineTuning }),
      };
    },
  };
}

export type StatisticsCounter = ReturnType<typeof createStatistics>;
