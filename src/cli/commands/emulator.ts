/**
 * `slicebatch emulator`: the local OpenAI Files + Batch API emulator as a server, until
 * SIGINT/SIGTERM. Timing, token limits and faults from flags or a JSON profile; `--upstream`
 * answers the requests with a real chat-completions server.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { REALISTIC_SCHEDULE, type Schedule } from '../../emulator/batch-lifecycle.ts';
import { DEMO_SCHEDULE, startEmulator } from '../../emulator/emulator.ts';
import { FaultProfileSchema, type FaultProfile } from '../../emulator/faults.ts';
import { EMULATOR_PROVIDERS, type EmulatorProvider } from '../../emulator/dialects.ts';
import { UsageError, errorMessage } from '../../errors.ts';
import { runAnthropicEmulator } from './emulator-anthropic.ts';
import { addApiWayFaults, API_WAYS_FLAGS, batchCreatesPerHour } from './emulator-api-ways.ts';
import { logLevelFromEnv } from '../../log/log-level.ts';
import { createLogger } from '../../log/logger.ts';
import {
  booleanFlag,
  integerFlag,
  noPositionals,
  numberFlag,
  stringFlag,
  type Command,
  type ParsedFlags,
} from '../command.ts';

const CMD = 'emulator';

function rate(args: ParsedFlags, name: string): number | undefined {
  const r = numberFlag(args, CMD, name);
  if (r !== undefined && (r < 0 || r > 1)) {
    throw new UsageError(`slicebatch emulator: --${name} must be between 0 and 1, got ${r}`);
  }
  return r;
}

async function faultProfile(args: ParsedFlags, cwd: string): Promise<FaultProfile> {
  let raw: Record<string, unknown> = {};
  const file = stringFlag(args, 'faults');
  if (file !== undefined) {
    try {
      raw = JSON.parse(await readFile(resolve(cwd, file), 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`slicebatch emulator: --faults ${file}: ${errorMessage(err)}`);
    }
  }
  const http = [...((raw['http'] as unknown[] | undefined) ?? [])];
  const requests = [...((raw['requests'] as unknown[] | undefined) ?? [])];
  const batches = [...((raw['batches'] as unknown[] | undefined) ?? [])];
  const r429 = rate(args, 'rate-429');
  if (r429 !== undefined) http.push({ kind: 'status', status: 429, retry_after_s: 1, rate: r429 });
  const r500 = rate(args, 'rate-500');
  if (r500 !== undefined) http.push({ kind: 'status', status: 500, rate: r500 });
  const rDrop = rate(args, 'rate-drop');
  if (rDrop !== undefined) http.push({ kind: 'drop', rate: rDrop });
  const rLost = rate(args, 'rate-lost-create');
  if (rLost !== undefined)
    http.push({ route: 'POST /v1/batches', kind: 'lose_answer', rate: rLost });
  const rInvalid = rate(args, 'rate-invalid-json');
  if (rInvalid !== undefined) requests.push({ kind: 'invalid_json', rate: rInvalid });
  const rUngrounded = rate(args, 'rate-ungrounded');
  if (rUngrounded !== undefined) requests.push({ kind: 'ungrounded', rate: rUngrounded });
  const rReqErr = rate(args, 'rate-request-error');
  if (rReqErr !== undefined)
    requests.push({ kind: 'error_object', code: 'server_error', rate: rReqErr });
  const rExpire = rate(args, 'rate-expire');
  if (rExpire !== undefined) batches.push({ kind: 'expire', after_fraction: 0.5, rate: rExpire });
  addApiWayFaults(args, http, batches);
  const seed = integerFlag(args, CMD, 'seed');
  const clockOffset = numberFlag(args, CMD, 'clock-offset');
  const listLag = numberFlag(args, CMD, 'list-lag');
  const parsed = FaultProfileSchema.safeParse({
    ...raw,
    http,
    requests,
    batches,
    ...(seed !== undefined ? { seed } : {}),
    ...(clockOffset !== undefined ? { clock_offset_s: clockOffset } : {}),
    ...(listLag !== undefined ? { list_lag_s: listLag } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `slicebatch emulator: fault profile: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}

function tokenLimits(args: ParsedFlags): Record<string, number> {
  const out: Record<string, number> = {};
  const values = args.values['token-limit'];
  for (const v of Array.isArray(values) ? values : []) {
    const m = /^(.+)=(\d+)$/.exec(v);
    if (m === null) {
      throw new UsageError(
        `slicebatch emulator: --token-limit expects MODEL=TOKENS, got ${JSON.stringify(v)}`,
      );
    }
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

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
      description: 'seed of ids, answers and faults (default 1)',
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
    const base: Schedule = booleanFlag(args, 'realistic') ? REALISTIC_SCHEDULE : DEMO_SCHEDULE;
    const ms = (name: string, fallback: number): number => integerFlag(args, CMD, name) ?? fallback;
    const schedule: Schedule = {
      validatingMs: ms('validating-ms', base.validatingMs),
      msPerRequest: ms('ms-per-request', base.msPerRequest),
      finalizingMs: ms('finalizing-ms', base.finalizingMs),
      cancellingMs: ms('cancelling-ms', base.cancellingMs),
      completionWindowMs: ms('completion-window-ms', base.completionWindowMs),
    };
    const faults = await faultProfile(args, ctx.cwd);
    const upstreamUrl = stringFlag(args, 'upstream');
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
    const models = args.values['model'];
    const emulator = await startEmulator({
      provider: provider as EmulatorProvider,
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
    ctx.stdout.write(
      `slicebatch emulator (${provider}) listening on ${emulator.url}\n` +
        `Nothing leaves this machine${upstreamUrl ? ` (requests are answered by ${upstreamUrl})` : ''}.\n` +
        `Use it with: ${useWith}\n`,
    );
    log.info({ url: emulator.url, schedule, stateDir }, 'emulator started');
    await new Promise<void>((resolveStop) => {
      if (ctx.signal.aborted) resolveStop();
      ctx.signal.addEventListener('abort', () => resolveStop(), { once: true });
    });
    await emulator.close();
    log.info(emulator.stats(), 'emulator stopped');
    return 0;
  },
};
