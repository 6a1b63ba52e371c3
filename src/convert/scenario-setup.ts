/**
 * What a conversion knows of each scenario before reading a line: its request builder, model,
 * token encoding, fixed prompt tokens, context window and per-file limits, and the triage.
 */
import type { Config } from '../config/schema.ts';
import type { Scenario } from '../domain/answer-schemas.ts';
import { encodingForModel, type EncodingName } from '../domain/token-counter.ts';
import { fileLimits } from './batch-input-placer.ts';
import type { FileLimits } from './batch-file-plan.ts';
import type { ConvertHelpers } from './helper-thread-client.ts';
import { contextTokensOf, maxSliceChars } from './model-context.ts';
import {
  createRequestBuilder,
  fixedPromptTokens,
  scenarioSpec,
  type ScenarioBuilders,
} from './request-builder.ts';
import { createSliceTriage, type ScenarioContext } from './slice-triage.ts';

export function createScenarioBuilders(config: Config): ScenarioBuilders {
  return {
    scenario1: createRequestBuilder(
      scenarioSpec('scenario1', config.scenarios.scenario1, config.model),
    ),
    scenario2: createRequestBuilder(
      scenarioSpec('scenario2', config.scenarios.scenario2, config.model),
    ),
    focus: config.scenarios.scenario1.focus,
    requirements: config.scenarios.scenario2.requirements,
  };
}

export interface ScenarioSetup {
  readonly builders: ScenarioBuilders;
  readonly models: Readonly<Record<Scenario, string>>;
  readonly encodings: Readonly<Record<Scenario, EncodingName>>;
  /** The tokens every request of a scenario has (known once the helper thread answers). */
  readonly fixedTokens: Promise<Readonly<Record<Scenario, number>>>;
  readonly contexts: Readonly<Record<Scenario, ScenarioContext>>;
  readonly limits: Readonly<Record<Scenario, FileLimits>>;
  readonly triage: ReturnType<typeof createSliceTriage>;
}

export function setUpScenarios(
  config: Config,
  caps: Partial<Record<Scenario, number | undefined>> | undefined,
  helpers: ConvertHelpers,
  sourceName: (index: number) => string | undefined,
): ScenarioSetup {
  const builders = createScenarioBuilders(config);
  const models = {
    scenario1: builders.scenario1.spec.model,
    scenario2: builders.scenario2.spec.model,
  };
  const encodings: Record<Scenario, EncodingName> = {
    scenario1: encodingForModel(models.scenario1),
    scenario2: encodingForModel(models.scenario2),
  };
  helpers.expect?.([...new Set(Object.values(encodings))]);
  // Not awaited here: the helper thread may still be loading its tokenizer, and the first
  // chunks can be read and encoded meanwhile (they are placed once these are known).
  const fixedTokens = Promise.all([
    fixedPromptTokens(builders.scenario1, helpers),
    fixedPromptTokens(builders.scenario2, helpers),
  ]).then(([scenario1, scenario2]) => ({ scenario1, scenario2 }));
  // A run that places nothing does not wait for them: their failure is not left unhandled.
  fixedTokens.catch(() => undefined);
  const contextOf = (model: string): ScenarioContext => ({
    model,
    contextTokens: contextTokensOf(model),
    maxChars: maxSliceChars(model),
  });
  const contexts: Record<Scenario, ScenarioContext> = {
    scenario1: contextOf(models.scenario1),
    scenario2: contextOf(models.scenario2),
  };
  const triage = createSliceTriage(
    {
      scenario1: caps?.scenario1 ?? config.limits.max_scenario1 ?? Infinity,
      scenario2: caps?.scenario2 ?? config.limits.max_scenario2 ?? Infinity,
    },
    sourceName,
    contexts,
  );
  const limits = {
    scenario1: fileLimits(config, models.scenario1),
    scenario2: fileLimits(config, models.scenario2),
  };
  return { builders, models, encodings, fixedTokens, contexts, limits, triage };
}
