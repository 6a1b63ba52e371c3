/**
 * A scenario's settings against its model, where the API would refuse every request of the
 * scenario with a 400 (each uploaded and lost): such a config is refused at load, naming the
 * key.
 *
 *   temperature       a reasoning model (o-series, gpt-5 family) takes only the default, 1
 *                     (domain/reasoning-models.ts)
 *   response_format   `json_schema` (the default) needs Structured Outputs, which the models
 *                     before gpt-4o-2024-08-06 lack (domain/structured-output-models.ts)
 *   max_completion_tokens   at most the model's output limit (domain/model-output-limits.ts)
 *
 * An OpenAI-compatible server's scenarios are not checked: its models are its own. Anthropic's
 * are (their requests carry no temperature, but `run --provider` can send the same files to
 * OpenAI, and no Claude model is named like these).
 */
import { DEFAULT_MODEL } from './limits-schema.ts';
import { outputLimitOf } from '../domain/model-output-limits.ts';
import { defaultOnlyMessage, isReasoningModel } from '../domain/reasoning-models.ts';
import { JSON_SCHEMA_UNSUPPORTED, supportsJsonSchema } from '../domain/structured-output-models.ts';
import type { ProviderName } from '../providers/port.ts';

interface ScenarioView {
  readonly provider?: ProviderName | undefined;
  readonly model?: string | undefined;
  readonly temperature?: number | undefined;
  readonly response_format?: string | undefined;
  readonly max_completion_tokens?: number | undefined;
}

interface ModelParamsView {
  readonly provider: ProviderName;
  readonly model?: string | undefined;
  readonly openai?: { readonly model?: string | undefined } | undefined;
  readonly scenarios: { readonly scenario1: ScenarioView; readonly scenario2: ScenarioView };
}

export function modelParamIssues(
  cfg: ModelParamsView,
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const name of ['scenario1', 'scenario2'] as const) {
    const s = cfg.scenarios[name];
    if ((s.provider ?? cfg.provider) === 'openai_compatible') continue;
    const model = s.model ?? cfg.model ?? cfg.openai?.model ?? DEFAULT_MODEL;
    if (s.temperature !== undefined && s.temperature !== 1 && isReasoningModel(model)) {
      issues.push({
        path: ['scenarios', name, 'temperature'],
        message: `${model} is a reasoning model: the API takes only the default temperature (1) and would reject every request ("${defaultOnlyMessage('temperature', s.temperature)}"); remove the key or set 1`,
      });
    }
    const limit = outputLimitOf(model);
    const budget = s.max_completion_tokens;
    if (budget !== undefined && limit !== undefined && budget > limit) {
      issues.push({
        path: ['scenarios', name, 'max_completion_tokens'],
        message: `${budget} is more than ${model} writes (at most ${limit} completion tokens): the API would reject every request ("max_tokens is too large: ${budget}"); set ${limit} or less`,
      });
    }
    if ((s.response_format ?? 'json_schema') === 'json_schema' && !supportsJsonSchema(model)) {
      issues.push({
        path: ['scenarios', name, 'response_format'],
        message: `${model} has no Structured Outputs: the API would reject every request ("${JSON_SCHEMA_UNSUPPORTED.split('. ')[0]}."); set "json_object" (any JSON, checked by slicebatch) or a newer model`,
      });
    }
  }
  return issues;
}
