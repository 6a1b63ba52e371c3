/**
 * config.json: one zod schema is the truth. Types come from it, defaults live in it, the JSON
 * Schema for editors (`slicebatch config schema`) and config.example.json are generated from it.
 *
 * Both the flat form and the original scripts' nested form (`{"openai": {"api_key",
 * "organization_id", "model"}}`) are accepted; the nested keys are lifted to the top level.
 *
 * Each section's schema is in a file of its own beside this one (scenario-schema.ts,
 * limits-schema.ts, connection-schema.ts, retry-schema.ts, compile-schema.ts, submit-schema.ts,
 * dedup-schema.ts, daemon-schema.ts, grounding-schema.ts, provider-schema.ts); this file puts
 * them together, checks across sections and lifts the nested form.
 */
import cron from 'node-cron';
import { z } from 'zod';
import { LOG_LEVELS } from '../log/log-level.ts';
import { Compile } from './compile-schema.ts';
import { AnthropicConnection, Connection, Nested } from './connection-schema.ts';
import { Daemon, Http } from './daemon-schema.ts';
import { Dedup } from './dedup-schema.ts';
import { Grounding } from './grounding-schema.ts';
import { DEFAULT_MODEL, DEFAULT_PRICES, Limits, Price } from './limits-schema.ts';
import { AzureConfig, CompatibleConfig, ProviderEnum } from './provider-schema.ts';
import { providerLimitIssues } from './provider-limits.ts';
import { modelParamIssues } from './model-param-issues.ts';
import { pricesForProvider } from './provider-prices.ts';
import { Retry } from './retry-schema.ts';
import { Scenario1, Scenario2 } from './scenario-schema.ts';
import { Submit } from './submit-schema.ts';
import { unset } from './schema-parts.ts';

export {
  API_MAX_BYTES_PER_FILE,
  API_MAX_REQUESTS_PER_FILE,
  DEFAULT_MODEL,
  DEFAULT_PRICES,
} from './limits-schema.ts';
export { ApiKeyText, HttpUrl } from './connection-schema.ts';

const ConfigObject = z.strictObject({
  $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
  ...Connection,
  openai: Nested.optional(),
  provider: ProviderEnum.default('openai'),
  azure: AzureConfig.describe('Azure OpenAI (provider "azure"): docs/providers.md.'),
  openai_compatible: CompatibleConfig.describe(
    'An OpenAI-compatible server (provider "openai_compatible"): docs/providers.md.',
  ),
  anthropic: AnthropicConnection,
  model: unset(z.string().min(1)).describe(
    `Model of both scenarios unless a scenario sets its own; ${DEFAULT_MODEL} when unset.`,
  ),
  data_dir: z.string().min(1).default('data').describe('Root of the stage folders.'),
  log_level: z.enum(LOG_LEVELS).default('info'),
  poll_schedule: z
    .string()
    .default('*/5 * * * *')
    .refine((expr) => cron.validate(expr), 'not a valid cron expression (five or six fields)')
    .describe('node-cron expression of the poll tick (six fields allowed, for seconds).'),
  scenarios: z
    .strictObject({ scenario1: Scenario1.prefault({}), scenario2: Scenario2.prefault({}) })
    .prefault({}),
  limits: Limits.prefault({}),
  retry: Retry,
  prices: z
    .record(z.string().min(1), Price)
    .default(
      structuredClone(DEFAULT_PRICES) as Record<
        string,
        { input: number; cached_input?: number; output: number }
      >,
    )
    .describe(
      'USD per 1M tokens, batch prices, by model; merged over the built-in table. A key "<provider>/<model>" is that provider\'s price (the model may be its own name: a deployment, a compatible server\'s model).',
    ),
  compile: Compile,
  submit: Submit,
  dedup: Dedup,
  estimate: z
    .strictObject({
      output_tokens: z
        .strictObject({
          scenario1: z.number().int().nonnegative().default(700),
          scenario2: z.number().int().nonnegative().default(1100),
        })
        .prefault({})
        .describe(
          'Completion tokens assumed per request where the API has not reported them (cost estimates, max_cost_usd).',
        ),
    })
    .prefault({}),
  daemon: Daemon,
  http: Http,
  grounding: Grounding,
  remote_cleanup: z
    .boolean()
    .default(true)
    .describe('Delete our uploaded and downloaded files from the server once safe.'),
});

export const ConfigSchema = ConfigObject.superRefine((cfg, ctx) => {
  for (const issue of providerLimitIssues(cfg)) ctx.addIssue({ code: 'custom', ...issue });
  for (const issue of modelParamIssues(cfg)) ctx.addIssue({ code: 'custom', ...issue });
  if (cfg.openai === undefined) return;
  for (const key of Object.keys(cfg.openai) as (keyof typeof cfg.openai)[]) {
    if (cfg.openai[key] !== undefined && cfg[key] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['openai', key],
        message: `set both here and at the top level ("${key}"); keep one`,
      });
    }
  }
}).transform(({ openai, $schema: _schema, ...rest }) => {
  const merged = { ...rest, ...stripUndefined(openai ?? {}) };
  const prices: Record<string, PriceEntry> = pricesForProvider(
    { ...DEFAULT_PRICES, ...merged.prices },
    merged.provider,
    merged.provider === 'azure'
      ? merged.azure.deployments
      : merged.provider === 'openai_compatible'
        ? merged.openai_compatible.models
        : {},
  );
  return { ...merged, model: merged.model ?? DEFAULT_MODEL, prices };
});

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type ScenarioConfig = Config['scenarios']['scenario1'] | Config['scenarios']['scenario2'];
export type PriceEntry = z.infer<typeof Price>;

/** The JSON Schema of config.json, for editors. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigObject, { io: 'input' });
}
