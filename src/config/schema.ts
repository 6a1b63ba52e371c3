/**
 * config.json: one zod schema is the truth. Types come from it, defaults live in it, the JSON
 * Schema for editors (`slicebatch config schema`) and config.example.json are generated from it.
 *
 * Both the flat form and the original scripts' nested form (`{"openai": {"api_key",
 * "organization_id", "model"}}`) are accepted; the nested keys are lifted to the top level.
 */
import cron from 'node-cron';
import { z } from 'zod';
import {
  SCENARIO1_FOCUS,
  SCENARIO1_PROMPT_TEMPLATE,
  SCENARIO1_SYSTEM_PROMPT,
  SCENARIO2_PROMPT_TEMPLATE,
  SCENARIO2_REQUIREMENTS,
  SCENARIO2_SYSTEM_PROMPT,
} from '../domain/default-prompts.ts';
import { DATASET_FORMATS } from '../domain/dataset-formats.ts';
import {
  DEFAULT_FINE_TUNING_MODEL,
  EXAMPLE_TOKEN_LIMITS,
  exampleTokenLimit,
} from '../domain/fine-tuning-limits.ts';
import { placeholdersOf } from '../domain/prompt-template.ts';
import { SCENARIO1_PLACEHOLDERS, SCENARIO2_PLACEHOLDERS } from '../domain/slice-fields.ts';
import { LOG_LEVELS } from '../log/log-level.ts';
import { ANTHROPIC_BATCH_PRICES } from '../domain/anthropic-prices.ts';
import { parseListenAddress } from './listen-address.ts';
import {
  AzureConfig,
  CompatibleConfig,
  ProviderEnum,
  ScenarioProvider,
} from './provider-schema.ts';
import { providerLimitIssues } from './provider-limits.ts';
import { pricesForProvider } from './provider-prices.ts';
import { Dedup } from './dedup-schema.ts';

/** Batch prices in USD per 1M tokens (half the standard price). */
export const DEFAULT_PRICES = {
  'gpt-4o-mini': { input: 0.075, cached_input: 0.0375, output: 0.3 },
  'gpt-4.1-mini': { input: 0.2, cached_input: 0.05, output: 0.8 },
  'gpt-5-mini': { input: 0.125, cached_input: 0.0125, output: 1.0 },
  ...ANTHROPIC_BATCH_PRICES,
} as const;

export const DEFAULT_MODEL = 'gpt-4o-mini';

/** The most requests and bytes the Batch API accepts in one input file. */
export const API_MAX_REQUESTS_PER_FILE = 50_000;
export const API_MAX_BYTES_PER_FILE = 200 * 1024 * 1024;
/** The most any provider takes (Azure OpenAI); each provider's own limit is checked too. */
const PROVIDER_MAX_REQUESTS_PER_FILE = 100_000;

/** An optional key: absent or `null` both mean "not set" (so the example file can list it). */
const unset = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((v): z.output<T> | undefined => v ?? undefined);

const template = (allowed: readonly string[]) =>
  z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      for (const name of placeholdersOf(text)) {
        if (!allowed.includes(name)) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown placeholder {{${name}}}; known: ${allowed.join(', ')}`,
          });
        }
      }
    });

const ResponseFormat = z
  .enum(['json_schema', 'json_object', 'text'])
  .describe(
    'json_schema: a strict schema the model must follow (default); json_object: any JSON; text: no constraint.',
  );

const scenarioCommon = {
  provider: ScenarioProvider,
  model: unset(z.string().min(1)).describe(
    'Model of this scenario; the top-level `model` when unset.',
  ),
  system_prompt: z.string().min(1),
  response_format: ResponseFormat.default('json_schema'),
  temperature: unset(z.number().min(0).max(2)).describe(
    'Omitted from requests when absent (the model default); reasoning models accept only 1.',
  ),
  endpoint: z
    .enum(['chat', 'responses'])
    .default('chat')
    .describe(
      'The batch endpoint of this scenario: chat (/v1/chat/completions) or responses (/v1/responses).',
    ),
  reasoning_summary: unset(z.enum(['auto', 'concise', 'detailed'])).describe(
    'responses endpoint, reasoning models: ask for a summary of the reasoning; the compiler keeps it in the record metadata (reasoning_summary).',
  ),
  reasoning_effort: unset(z.enum(['minimal', 'low', 'medium', 'high'])).describe(
    'Reasoning models (gpt-5 family, o-series): how much they reason before answering; omitted when unset (the model default).',
  ),
};

const Scenario1 = z.strictObject({
  ...scenarioCommon,
  system_prompt: scenarioCommon.system_prompt.default(SCENARIO1_SYSTEM_PROMPT),
  prompt_template: template(SCENARIO1_PLACEHOLDERS).default(SCENARIO1_PROMPT_TEMPLATE),
  focus: z
    .strictObject({
      simple: z.string().min(1).default(SCENARIO1_FOCUS.simple),
      medium: z.string().min(1).default(SCENARIO1_FOCUS.medium),
      complex: z.string().min(1).default(SCENARIO1_FOCUS.complex),
    })
    .prefault({})
    .describe('The {{focus}} text, by the slice complexity.'),
  max_completion_tokens: z.number().int().positive().default(2000),
});

const RequirementSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().min(1),
  constraints: z.array(z.string().min(1)),
});

const Scenario2 = z.strictObject({
  ...scenarioCommon,
  system_prompt: scenarioCommon.system_prompt.default(SCENARIO2_SYSTEM_PROMPT),
  prompt_template: template(SCENARIO2_PLACEHOLDERS).default(SCENARIO2_PROMPT_TEMPLATE),
  requirements: z
    .array(RequirementSchema)
    .min(1)
    .default(SCENARIO2_REQUIREMENTS.map((r) => ({ ...r, constraints: [...r.constraints] })))
    .describe('New requirements; each class gets one, chosen from its slice id.'),
  max_completion_tokens: z.number().int().positive().default(3000),
});

const Price = z.strictObject({
  input: z.number().nonnegative().describe('USD per 1M prompt tokens, batch price'),
  cached_input: z
    .number()
    .nonnegative()
    .optional()
    .describe(
      'USD per 1M prompt tokens served from the cache (usage cached_tokens), batch price; the input price when unset',
    ),
  output: z.number().nonnegative().describe('USD per 1M completion tokens, batch price'),
});

const Limits = z.strictObject({
  max_requests_per_file: z
    .number()
    .int()
    .min(1)
    .max(PROVIDER_MAX_REQUESTS_PER_FILE)
    .default(API_MAX_REQUESTS_PER_FILE)
    .describe(
      "Split batch input files beyond this many requests (at most the provider's limit: 50000 on OpenAI, 100000 on Azure).",
    ),
  max_bytes_per_file: z
    .number()
    .int()
    .min(1024)
    .max(API_MAX_BYTES_PER_FILE)
    .default(190_000_000)
    .describe('Split batch input files beyond this many bytes.'),
  max_tokens_per_file: unset(z.number().int().positive()).describe(
    'Split batch input files beyond this many prompt tokens (also capped by enqueued_tokens of the model).',
  ),
  enqueued_tokens: unset(z.record(z.string().min(1), z.number().int().positive())).describe(
    'Per model: prompt tokens of unfinished batches never exceed this.',
  ),
  max_cost_usd: unset(z.number().positive()).describe(
    'Stop submitting once the estimated spend would pass this.',
  ),
  max_scenario1: unset(z.number().int().nonnegative()).describe(
    'Convert at most the first N functions.',
  ),
  max_scenario2: unset(z.number().int().nonnegative()).describe(
    'Convert at most the first N classes.',
  ),
});

/**
 * An API key goes into an HTTP header: whitespace or a control character inside it (a pasted
 * line break) would only fail later, in an error that quotes the header with the key in it.
 */
export const ApiKeyText = z
  .string()
  .min(1)
  .refine(
    (key) => !/[\s\p{Cc}]/u.test(key),
    'holds whitespace or control characters (a line break?): expected the API key alone',
  );

/** Only HTTP(S): any other scheme (`ftp:`, `file:`, `javascript:`) is no API endpoint. */
export const HttpUrl = z.url({
  protocol: /^https?$/,
  error: 'not an http:// or https:// URL',
});

const Connection = {
  api_key: unset(ApiKeyText).describe('OpenAI API key (or OPENAI_API_KEY).'),
  api_key_file: unset(z.string().min(1)).describe(
    'A file holding the API key (or OPENAI_API_KEY_FILE; a systemd credential or a Docker secret).',
  ),
  base_url: unset(HttpUrl).describe(
    'API base URL, for Azure or any compatible server (or OPENAI_BASE_URL).',
  ),
  organization_id: unset(z.string().min(1)).describe('OpenAI organization (or OPENAI_ORG_ID).'),
  project_id: unset(z.string().min(1)).describe('OpenAI project (or OPENAI_PROJECT_ID).'),
};

/** Anthropic Message Batches (docs/providers.md); the key and URL also from the environment. */
const AnthropicConnection = z
  .strictObject({
    api_key: unset(ApiKeyText).describe('Anthropic API key (or ANTHROPIC_API_KEY).'),
    api_key_file: unset(z.string().min(1)).describe(
      'A file holding the Anthropic API key (or ANTHROPIC_API_KEY_FILE).',
    ),
    base_url: unset(HttpUrl).describe(
      'Anthropic API base URL, without /v1 (or ANTHROPIC_BASE_URL); https://api.anthropic.com when unset.',
    ),
  })
  .prefault({})
  .describe('provider "anthropic": how to reach the Message Batches API.');

const Nested = z
  .strictObject({ ...Connection, model: unset(z.string().min(1)) })
  .describe("The original scripts' form; its keys are the same as the top-level ones.");

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
  retry: z
    .strictObject({
      max_attempts: z
        .number()
        .int()
        .min(1)
        .max(20)
        .default(3)
        .describe(
          'Attempts per request (its first one included), for expired, transiently failed and unparseable results.',
        ),
      length_budget_factor: z
        .number()
        .min(1.1)
        .max(16)
        .default(2)
        .describe(
          'A response with empty content and finish_reason "length" (reasoning used the whole max_completion_tokens) is retried with its budget multiplied by this.',
        ),
      max_completion_tokens_cap: z
        .number()
        .int()
        .positive()
        .default(32_768)
        .describe(
          'The largest max_completion_tokens such a retry asks for; at the cap the request is not retried again.',
        ),
      missing_output_wait_ms: z
        .number()
        .int()
        .min(0)
        .default(60 * 60_000)
        .describe(
          'A batch that ended with completed requests but no output file is asked again this long before its requests are sent again.',
        ),
      submit_rounds: z
        .number()
        .int()
        .min(1)
        .max(100)
        .default(3)
        .describe(
          'run --once: submission rounds in a row in which a batch input file failed, after which it is given up and reported (the daemon without --once keeps trying).',
        ),
      download_refusals: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(3)
        .describe(
          "run --once: poll ticks in a row in which a batch's results were refused (the file is gone, 4xx), after which they are given up and reported.",
        ),
      download_interruptions: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(30)
        .describe(
          "run --once: poll ticks in a row in which a batch's results could not be downloaded for another reason (a cut connection, 5xx; each resumes where it stopped), after which they are given up and reported.",
        ),
    })
    .prefault({}),
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
  compile: z
    .strictObject({
      format: z.enum(DATASET_FORMATS).default('alpaca'),
      train_ratio: z.number().gt(0).lt(1).default(0.8),
      seed: z.number().int().default(42),
      keep_sets: z
        .number()
        .int()
        .min(1)
        .default(3)
        .describe(
          'The daemon keeps the newest this many compiled sets in 5.final_output and removes older ones (slicebatch compile removes nothing).',
        ),
      parquet: z
        .union([z.boolean(), z.array(z.enum(['train', 'validation'])).min(1)])
        .default(false)
        .describe(
          'Parquet copies of the splits in the Hugging Face folder (hf_dataset_<ts>/data/): true for both, false for none, or a list of "train", "validation".',
        ),
      license: z
        .string()
        .min(1)
        .default('unknown')
        .describe(
          'The license of the dataset, named in its card (a Hugging Face license id: mit, apache-2.0, cc-by-4.0, other, ...).',
        ),
      fine_tuning_model: z
        .string()
        .min(1)
        .default(DEFAULT_FINE_TUNING_MODEL)
        .describe(
          `The chat format: the model to be fine-tuned, whose training-example limit the examples are checked against (known: ${Object.keys(EXAMPLE_TOKEN_LIMITS).join(', ')}).`,
        ),
      max_example_tokens: unset(z.number().int().positive()).describe(
        'The chat format: tokens per example above which it is left out (reported as over_token_limit); default the limit of compile.fine_tuning_model.',
      ),
    })
    .superRefine((compile, ctx) => {
      if (
        compile.format === 'chat' &&
        exampleTokenLimit(compile.fine_tuning_model, compile.max_example_tokens) === undefined
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['max_example_tokens'],
          message: `the training-example limit of "${compile.fine_tuning_model}" is not known: set compile.max_example_tokens`,
        });
      }
    })
    .prefault({}),
  submit: z
    .strictObject({
      concurrency: z
        .number()
        .int()
        .min(1)
        .max(16)
        .default(2)
        .describe('Files uploaded and submitted at the same time.'),
      requests_per_minute: z
        .number()
        .int()
        .min(1)
        .default(60)
        .describe('API calls per minute for submission (uploads, batch creation, lookups).'),
      request_timeout_ms: z
        .number()
        .int()
        .min(1000)
        .default(600_000)
        .describe(
          'Time allowed for one API call, to its last byte (uploads and result downloads of 200 MB included; a download cut by it resumes on the next poll).',
        ),
      retry_base_ms: z
        .number()
        .int()
        .min(1)
        .default(1000)
        .describe('First delay before retrying a failed API call (doubling, at most 60 s).'),
      requeue_base_ms: z
        .number()
        .int()
        .min(1)
        .default(60_000)
        .describe(
          'First delay before resubmitting a file whose batch hit the enqueued-token limit (doubling).',
        ),
      requeue_cap_ms: z
        .number()
        .int()
        .min(1)
        .default(30 * 60_000)
        .describe('Longest delay before resubmitting after the enqueued-token limit.'),
      reconcile_settle_ms: z
        .number()
        .int()
        .min(0)
        .default(120_000)
        .describe(
          'After an upload or batch creation whose answer was lost (or a crash), how long to keep looking for it in the lists, which may lag, before doing it again.',
        ),
      file_ready_grace_ms: z
        .number()
        .int()
        .min(0)
        .default(10 * 60_000)
        .describe(
          'For this long after an upload, a 400 "Cannot find file" on batch creation means the file is not visible yet: retried, not failed.',
        ),
      input_expires_after_s: z
        .number()
        .int()
        .min(3600)
        .max(2_592_000)
        .default(7 * 86_400)
        .describe(
          'Sent with each upload (expires_after): the API deletes the batch input file this many seconds after it (3600 to 2592000).',
        ),
      output_expires_after_s: z
        .number()
        .int()
        .min(3600)
        .max(2_592_000)
        .default(2_592_000)
        .describe(
          'Sent with each batch (output_expires_after): the API deletes its output and error files this many seconds after they are made (3600 to 2592000).',
        ),
    })
    .prefault({}),
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
  daemon: z
    .strictObject({
      stop_timeout_ms: z
        .number()
        .int()
        .min(1000)
        .default(60_000)
        .describe(
          "On SIGTERM/SIGINT, the time allowed for the step in progress to finish; at this deadline it and its API calls are aborted (the next start resumes it). Keep it a few seconds below the service manager's stop timeout.",
        ),
      heartbeat_ms: z
        .number()
        .int()
        .min(100)
        .default(10_000)
        .describe('How often the daemon writes its heartbeat file (.slicebatch/heartbeat.json).'),
      stuck_after_ms: z
        .number()
        .int()
        .min(1000)
        .default(30 * 60 * 1000)
        .describe(
          'A step (a poll tick with its downloads, a conversion) running longer than this makes the daemon unhealthy (slicebatch health, /healthz).',
        ),
      compile_debounce_ms: z
        .number()
        .int()
        .min(0)
        .default(10_000)
        .describe('Quiet time after the last download before the dataset is compiled again.'),
      watch: z
        .strictObject({
          stable_ms: z
            .number()
            .int()
            .min(0)
            .default(2000)
            .describe(
              'A file written in place is taken once its size and time have not changed for this long.',
            ),
          rescan_ms: z
            .number()
            .int()
            .min(1000)
            .default(60_000)
            .describe(
              'A full rescan of the inbox this often (an event lost by the OS is only a delay).',
            ),
          polling: z
            .boolean()
            .default(false)
            .describe(
              'Poll the file system instead of using OS events (NFS/SMB and some container mounts).',
            ),
          polling_interval_ms: z.number().int().min(100).default(2000),
        })
        .prefault({}),
    })
    .prefault({}),
  http: z
    .strictObject({
      listen: unset(
        z
          .string()
          .min(1)
          .superRefine((listen, ctx) => {
            const address = parseListenAddress(listen);
            if (typeof address === 'string') ctx.addIssue({ code: 'custom', message: address });
          }),
      ).describe(
        'host:port of the health and metrics listener (GET /healthz, GET /metrics) and the review page; off when unset. Keep it on loopback.',
      ),
      token_file: unset(z.string().min(1)).describe(
        'A file holding the access token of the listener and the review page (Authorization: Bearer, or ?token= once in a browser); required when "listen" is not on loopback.',
      ),
    })
    .prefault({}),
  grounding: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe(
          'Check that each scenario 1 answer quotes only code of its slice (every code_reference, every backticked identifier); an answer that does not is sent again, then reported as ungrounded.',
        ),
      max_retries: z
        .number()
        .int()
        .min(0)
        .max(5)
        .default(1)
        .describe(
          'How many times an ungrounded answer is sent again (within retry.max_attempts) before it is final.',
        ),
      identifiers: z
        .boolean()
        .default(true)
        .describe(
          'Also require the identifiers an answer cites as code (`name` in backticks) to be words of the code.',
        ),
    })
    .prefault({}),
  remote_cleanup: z
    .boolean()
    .default(true)
    .describe('Delete our uploaded and downloaded files from the server once safe.'),
});

export const ConfigSchema = ConfigObject.superRefine((cfg, ctx) => {
  for (const issue of providerLimitIssues(cfg)) ctx.addIssue({ code: 'custom', ...issue });
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
