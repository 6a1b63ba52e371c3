/**
 * `slicebatch run`: the daemon (src/daemon/daemon.ts) until SIGTERM/SIGINT; with `--once`,
 * until what is in the inbox has reached an end; with `--emulator`, against the built-in
 * emulator, in this process, on a free loopback port (nothing leaves the machine).
 */
import { systemClock } from '../../clock.ts';
import { join } from 'node:path';
import { dataPaths } from '../../domain/data-paths.ts';
import { threadHelpers } from '../../convert/helper-thread-client.ts';
import { createCompileStep } from '../../daemon/compile-step.ts';
import { startDaemon } from '../../daemon/daemon.ts';
import type { Emulator } from '../../emulator/emulator.ts';
import { ConfigError } from '../../errors.ts';
import type { BatchApi } from '../../openai/batch-api.ts';
import { withProvider, emulatorConfig } from '../../providers/emulator-config.ts';
import { batchApiForConfig, batchApiForProvider } from '../../providers/batch-api-for-provider.ts';
import { terminalText } from '../../format.ts';
import { VERSION } from '../version.ts';
import { booleanFlag, CONFIG_FLAGS, noPositionals, stringFlag, type Command } from '../command.ts';
import { setup } from '../setup.ts';
import { anthropicEmulatorApi, PROVIDER_FLAG } from '../provider-flag.ts';

/** The poll tick on the emulator, unless poll_schedule is set: its batches end in seconds. */
export const EMULATOR_POLL_SCHEDULE = '*/2 * * * * *';
const DEFAULT_POLL_SCHEDULE = '*/5 * * * *';
/** The key the client shows the built-in emulator: never the configured one. */
const EMULATOR_KEY = 'sk-slicebatch-built-in-emulator';

export const runCommand: Command = {
  name: 'run',
  summary:
    'The daemon: watch <data-dir>/2.reviewed_slices, convert, submit, poll, download and compile,\n' +
    'until SIGTERM/SIGINT (the first drains within daemon.stop_timeout_ms, a second forces).',
  longRunning: true,
  flags: {
    ...CONFIG_FLAGS,
    emulator: {
      type: 'boolean',
      description:
        'use the built-in emulator, started in this process on a free loopback port (no key; nothing leaves the machine)',
    },
    provider: PROVIDER_FLAG,
    once: {
      type: 'boolean',
      description:
        'take what is in the inbox now, drive it to an end, compile, exit (0: every slice has a result or a final reason; 1: something could not be finished)',
    },
  },
  async run(ctx, args) {
    noPositionals(args, 'run');
    const useEmulator = booleanFlag(args, 'emulator');
    const once = booleanFlag(args, 'once');
    const setUp = await setup(ctx, args);
    const { log } = setUp;
    const config = withProvider(setUp.config, stringFlag(args, 'provider'));
    const paths = dataPaths(ctx.cwd, config.data_dir);

    let emulator: Pick<Emulator, 'url' | 'close'> | undefined;
    let api: BatchApi;
    if (useEmulator && config.provider === 'anthropic') {
      ({ api, emulator } = await anthropicEmulatorApi(config, paths.state, EMULATOR_KEY));
      ctx.stderr.write(
        `\n  slicebatch run --emulator --provider anthropic: the built-in emulator serves the Message Batches API at ${emulator.url}.\n  Nothing leaves this machine and no key is used; the answers are generated stand-ins.\n\n`,
      );
      log.warn(
        { url: emulator.url },
        'using the built-in Anthropic emulator: nothing leaves this machine',
      );
    } else if (useEmulator && config.provider !== 'anthropic') {
      const { startEmulator } = await import('../../emulator/emulator.ts');
      const provider = config.provider;
      const started = await startEmulator({
        host: '127.0.0.1',
        port: 0,
        stateDir: join(paths.state, 'emulator'),
        provider,
      });
      emulator = started;
      api = batchApiForProvider(emulatorConfig(config, started, EMULATOR_KEY), provider);
      ctx.stderr.write(
        [
          '',
          `  slicebatch run --emulator: the built-in emulator serves the Batch API (${config.provider}) at ${emulator.url}.`,
          '  Nothing leaves this machine and no key is used; the answers are generated stand-ins,',
          '  not model output. Drop --emulator (and set OPENAI_API_KEY) for real results.',
          '',
          '',
        ].join('\n'),
      );
      log.warn({ url: emulator.url }, 'using the built-in emulator: nothing leaves this machine');
    } else {
      try {
        api = batchApiForConfig(config, paths.state);
      } catch (err) {
        if (err instanceof ConfigError) {
          throw new ConfigError(
            `slicebatch run: ${err.message}; or run everything locally: slicebatch run --emulator`,
            err.key ?? 'api_key',
          );
        }
        throw err;
      }
    }
    const pollSchedule =
      emulator !== undefined && config.poll_schedule === DEFAULT_POLL_SCHEDULE
        ? EMULATOR_POLL_SCHEDULE
        : config.poll_schedule;

    let daemon;
    try {
      daemon = await startDaemon({
        config,
        paths,
        api,
        log,
        once,
        pollSchedule,
        emulator: emulator !== undefined,
        version: VERSION,
        helpers: threadHelpers,
        compile: createCompileStep({
          paths,
          config,
          log: log.child({ component: 'compile' }),
          clock: systemClock,
          keepSets: config.compile.keep_sets,
        }),
      });
    } catch (err) {
      await emulator?.close();
      throw err;
    }

    const stopAsked = new Promise<'signal'>((resolve) => {
      if (ctx.signal.aborted) resolve('signal');
      ctx.signal.addEventListener('abort', () => resolve('signal'), { once: true });
    });
    const outcome = await Promise.race([stopAsked, daemon.finished]);
    await daemon.stop();
    await emulator?.close();
    if (outcome === 'signal') return 0;
    if (outcome.unfinished.length > 0) {
      ctx.stderr.write(
        `slicebatch run --once: not finished:\n${outcome.unfinished.map((u) => `  ${terminalText(u)}`).join('\n')}\n`,
      );
    }
    ctx.stdout.write(
      outcome.exitCode === 0
        ? `Done: every slice has a result or a final reason. The dataset is in ${paths.finalOutput}.\n`
        : `Stopped with work unfinished (above). What was finished is in ${paths.finalOutput}.\n`,
    );
    return outcome.exitCode;
  },
};
