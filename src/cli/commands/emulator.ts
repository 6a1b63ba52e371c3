/**
 * `slicebatch emulator`: the local OpenAI Files + Batch API emulator as a server, until
 * SIGINT/SIGTERM. Timing, token limits and faults from flags or a JSON profile; `--upstream`
 * answers the requests with a real chat-completions server.
 */
import { resolve } from 'node:path';
import { DEMO_SCHEDULE, startEmulator } from '../../emulator/emulator.ts';
import type { FaultProfile } from '../../emulator/faults.ts';
import type { Schedule } from '../../emulator/batch-lifecycle.ts';
import { EMULATOR_PROVIDERS, type EmulatorProvider } from '../../emulator/dialects.ts';
import { UsageError } from '../../errors.ts';
import { runAnthropicEmulator } from './emulator-anthropic.ts';
import { API_WAYS_FLAGS, batchCreatesPerHour } from './emulator-api-ways.ts';
import { faultProfile, scheduleOf, tokenLimits } from './emulator-options.ts';
import { serveUntilStopped } from './emulator-serve.ts';
import { logLevelFromEnv } from '../../log/log-level.ts';
import { createLogger, type Logger } from '../../log/logger.ts';
import {
  integerFlag,
  noPositionals,
  stringFlag,
  type Command,
  type CommandContext,
  type ParsedFlags,
} from '../command.ts';

const CMD = 'emulator';

export const emulatorCommand: Command = {
  name: CMD,
  longRunning: true,
  summary:
    'Run a local emulator of the OpenAI Files + Batch API (no key needed, nothing leaves the machine).\n' +
    'Point any client at it: OPENAI_BASE_URL=http://HOST:PORT/v1 OPENAI_API_KEY=anything.',
  flags: {
    provider: {
      type: 'string',
      value: 'NAME',
      description: `whose API to speak: ${[...EMULATOR_PROVIDERS, 'anthropic'].join(', ')} (default openai; anthropic: the Message Batches API; docs/providers.md)`,
    },
    model: {
      type: 'string',
      value: 'NAME',
      multiple: true,
      description:
        'azure: a global batch deployment; openai_compatible: a model the server serves (repeatable; any name when none)',
    },
    host: {
      type: 'string',
      value: 'HOST',
      description: 'address to listen on (default 127.0.0.1)',
    },
    port: {
      type: 'string',
      value: 'PORT',
      description: 'port (default 8787; 0 for any free port)',
    },
    'state-dir': {
      type: 'string',
      value: 'DIR',
      description: 'keep files and batches here across restarts',
    },
    realistic: {
      type: 'boolean',
      description: 'real-world timing: minutes per batch (default: seconds)',
    },
    'validating-ms': {
      type: 'string',
      value: 'MS',
      description: `time in validating (default ${DEMO_SCHEDULE.validatingMs})`,
    },
    'ms-per-request': {
      type: 'string',
      value: 'MS',
      description: `time per request (default ${DEMO_SCHEDULE.msPerRequest})`,
    },
    'finalizing-ms': {
      type: 'string',
      value: 'MS',
      description: `time in finalizing (default ${DEMO_SCHEDULE.finalizingMs})`,
    },
    'cancelling-ms': {
      type: 'string',
      value: 'MS',
      description: `time in cancelling (default ${DEMO_SCHEDULE.cancellingMs})`,
    },
    'completion-window-ms': {
      type: 'string',
      value: 'MS',
      description: 'the completion window (default 24 h)',
    },
    'token-limit': {
      type: 'string',
      value: 'MODEL=N',
      multiple: true,
      description: 'enqueued-token limit of a model (repeatable)',
    },
    'max-requests': {
      type: 'string',
      value: 'N',
      description: "requests per batch (default: the provider's, 50000; azure 100000)",
    },
    faults: {
      type: 'string',
      value: 'FILE',
      description: 'JSON fault profile (see docs/emulator.md)',
    },
    'rate-429': {
      type: 'string',
      value: 'R',
      description: 'fraction of requests answered 429 (retry-after 1 s)',
    },
    'rate-500': { type: 'string', value: 'R', description: 'fraction of requests answered 500' },
    'rate-drop': { type: 'string', value: 'R', description: 'fraction of connections dropped' },
    'rate-lost-create': {
      type: 'string',
      value: 'R',
      description: 'fraction of batch creations whose answer is lost',
    },
    'rate-invalid-json': {
      type: 'string',
      value: 'R',
      description: 'fraction of responses with invalid JSON content',
    },
    'rate-ungrounded': {
      type: 'string',
      value: 'R',
      description: 'fraction of scenario 1 answers quoting code their request does not have',
    },
    'rate-request-error': {
      type: 'string',
      value: 'R',
      description: 'fraction of requests failing in the error file',
    },
    'rate-expire': {
      type: 'string',
      value: 'R',
      description: 'fraction of batches expiring half-way',
    },
    ...API_WAYS_FLAGS,
    'clock-offset': {
      type: 'string',
      value: 'S',
      description: "seconds the server's clock runs ahead of ours (negative: behind)",
    },
    'list-lag': {
      type: 'string',
      value: 'S',
      description: 'seconds before a new batch or file shows in the list endpoints',
    },
    seed: {
      type: 'string',
      value: 'N',
      description: 'seed of answers and faults (default 1); ids are random',
    },
    upstream: {
      type: 'string',
      value: 'URL',
      description: 'answer requests with this chat-completions server',
    },
    'upstream-concurrency': {
      type: 'string',
      value: 'N',
      description: 'requests in flight upstream (default 4)',
    },
  },
  async run(ctx, args) {
    noPositionals(args, CMD);
    const schedule = scheduleOf(args);
    const faults = await faultProfile(args, ctx.cwd);
    const log = await createLogger({
      level: logLevelFromEnv(ctx.env, 'info'),
      ...(ctx.stderr === process.stderr ? {} : { stream: ctx.stderr }),
    });
    const stateDir = stringFlag(args, 'state-dir');
    const provider = stringFlag(args, 'provider') ?? 'openai';
    if (provider === 'anthropic') {
      return runAnthropicEmulator(ctx, args, { schedule, faults, stateDir, log });
    }
    if (!(EMULATOR_PROVIDERS as readonly string[]).includes(provider)) {
      throw new UsageError(
        `slicebatch emulator: --provider must be one of ${[...EMULATOR_PROVIDERS, 'anthropic'].join(', ')}, got ${JSON.stringify(provider)}`,
      );
    }
    return runOpenAiEmulator(ctx, args, provider as EmulatorProvider, {
      schedule,
      faults,
      stateDir,
      log,
    });
  },
};

/** `slicebatch emulator` for the OpenAI-shaped providers (openai, azure, openai_compatible). */
async function runOpenAiEmulator(
  ctx: CommandContext,
  args: ParsedFlags,
  provider: EmulatorProvider,
  options: { schedule: Schedule; faults: FaultProfile; stateDir: string | undefined; log: Logger },
): Promise<number> {
  const { schedule, faults, stateDir, log } = options;
  const upstreamUrl = stringFlag(args, 'upstream');
  const models = args.values['model'];
  const emulator = await startEmulator({
    provider,
    models: Array.isArray(models) ? models : [],
    host: stringFlag(args, 'host') ?? '127.0.0.1',
    port: integerFlag(args, CMD, 'port') ?? 8787,
    stateDir: stateDir === undefined ? undefined : resolve(ctx.cwd, stateDir),
    schedule,
    faults,
    seed: faults.seed,
    tokenLimits: tokenLimits(args),
    maxRequestsPerBatch: integerFlag(args, CMD, 'max-requests', 1),
    batchCreatesPerHour: batchCreatesPerHour(args),
    upstream:
      upstreamUrl === undefined
        ? undefined
        : {
            url: upstreamUrl,
            apiKey: ctx.env['UPSTREAM_API_KEY'],
            concurrency: integerFlag(args, CMD, 'upstream-concurrency', 1) ?? 4,
          },
    onError: (err, context) => log.error({ err, context }, `emulator error in ${context}`),
  });
  const useWith =
    provider === 'azure'
      ? `AZURE_OPENAI_ENDPOINT=${emulator.origin} AZURE_OPENAI_API_KEY=any-non-empty-key (provider "azure")`
      : provider === 'openai_compatible'
        ? `OPENAI_COMPATIBLE_BASE_URL=${emulator.url} OPENAI_COMPATIBLE_API_KEY=any-non-empty-key (provider "openai_compatible")`
        : `OPENAI_BASE_URL=${emulator.url} OPENAI_API_KEY=any-non-empty-key`;
  return serveUntilStopped(ctx, log, emulator, {
    banner:
      `slicebatch emulator (${provider}) listening on ${emulator.url}\n` +
      `Nothing leaves this machine${upstreamUrl ? ` (requests are answered by ${upstreamUrl})` : ''}.\n` +
      `Use it with: ${useWith}\n`,
    name: 'emulator',
    fields: { schedule, stateDir },
  });
}
