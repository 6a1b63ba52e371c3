/**
 * A scenario's settings against its model: a reasoning model (o-series, gpt-5 family) takes
 * only the default `temperature` (1), and the API answers every request that sets another with
 * a 400 (domain/reasoning-models.ts). Such a config would have every request of the scenario
 * uploaded, paid for nothing and failed; it is refused at load, naming the key.
 *
 * An OpenAI-compatible server's scenarios are not checked: its models are its own. Anthropic's
 * are (their requests carry no temperature, but `run --provider` can send the same files to
 * OpenAI, and no Claude model is named like a reasoning model).
 */
import { DEFAULT_MODEL } from './limits-schema.ts';
import { defaultOnlyMessage, isReasoningModel } from '../domain/reasoning-models.ts';
import type { ProviderName } from '../providers/port.ts';

interface ScenarioView {
  readonly provider?: ProviderName | undefined;
  readonly model?: string | undefined;
  readonly temperature?: number | undefined;
}

interface ReasoningView {
  readonly provider: ProviderName;
  readonly model?: string | undefined;
  readonly openai?: { readonly model?: string | undefined } | undefined;
  readonly scenarios: { readonly scenario1: ScenarioView; readonly scenario2: ScenarioView };
}

export function reasoningParamIssues(
  cfg: ReasoningView,
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const name of ['scenario1', 'scenario2'] as const) {
    const s = cfg.scenarios[name];
    if ((s.provider ?? cfg.provider) === 'openai_compatible') continue;
    const model = s.model ?? cfg.model ?? cfg.openai?.model ?? DEFAULT_MODEL;
    if (s.temperature === undefined || s.temperature === 1 || !isReasoningModel(model)) continue;
    issues.push({
      path: ['scenarios', name, 'temperature'],
      message: `${model} is a reasoning model: the API takes only the default temperature (1) and would reject every request ("${defaultOnlyMessage('temperature', s.temperature)}"); remove the key or set 1`,
    });
  }
  return issues;
}
