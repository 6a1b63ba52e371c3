#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * The `slicebatch` executable: dispatches to a command and maps errors to exit statuses
 * (0 done, 1 runtime failure, 2 bad usage or configuration). Only here do errors become exit
 * statuses.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, UsageError, errorMessage } from '../errors.ts';
import { helpText, parseFlags, type Command, type CommandContext, type Io } from './command.ts';
import { VERSION } from './version.ts';

/**
 * The commands, loaded only when run: each one pulls in only what it needs (a conversion does
 * not load the HTTP client, a status query does not load the tokenizer).
 */
export const COMMANDS: readonly { name: string; summary: string; load: () => Promise<Command> }[] =
  [
    {
      name: 'run',
      summary:
        'The daemon: watch the inbox, convert, submit, poll, download, compile (--emulator: all local).',
      load: async () => (await import('./commands/run.ts')).runCommand,
    },
    {
      name: 'process',
      summary: 'Convert reviewed slices into Batch API input files (seed step 1).',
      load: async () => (await import('./commands/process.ts')).processCommand,
    },
    {
      name: 'submit',
      summary: 'Upload batch input files and create their batches, exactly once (seed steps 2, 3).',
      load: async () => (await import('./commands/submit.ts')).submitCommand,
    },
    {
      name: 'compile',
      summary:
        'Compile the results into the dataset, with a report of what is missing (seed step 4).',
      load: async () => (await import('./commands/compile.ts')).compileCommand,
    },
    {
      name: 'status',
      summary: 'Where every input file, batch and request stands, and what it has cost.',
      load: async () => (await import('./commands/status.ts')).statusCommand,
    },
    {
      name: 'estimate',
      summary: 'Exact prompt tokens and batch-price cost of what is waiting.',
      load: async () => (await import('./commands/estimate.ts')).estimateCommand,
    },
    {
      name: 'ui',
      summary:
        'Serve the review page: progress, spend, every slice; exclude or resend (no daemon needed).',
      load: async () => (await import('./commands/ui.ts')).uiCommand,
    },
    {
      name: 'health',
      summary: 'Say whether the daemon is alive and making progress (exit 0 or 1; for probes).',
      load: async () => (await import('./commands/health.ts')).healthCommand,
    },
    {
      name: 'emulator',
      summary:
        'Run a local OpenAI Files + Batch API emulator (no key, nothing leaves the machine).',
      load: async () => (await import('./commands/emulator.ts')).emulatorCommand,
    },
    {
      name: 'config',
      summary: 'Print the JSON Schema or an example of config.json, or check yours.',
      load: async () => (await import('./commands/config.ts')).configCommand,
    },
  ];

export { VERSION };

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: slicebatch <command> [options]',
    '',
    'Turns folders of reviewed code slices into fine-tuning datasets through the OpenAI Batch API.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `slicebatch <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

export interface MainOptions extends Io {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted when a long-running command is asked to stop. */
  readonly signal?: AbortSignal;
  /** Called before a long-running command starts (the entry point listens for signals then). */
  readonly onLongRunning?: () => void;
}

/** Runs one command line; returns the exit status. Never throws. */
export async function main(argv: readonly string[], options: MainOptions): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      options.stdout.write(overview());
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      options.stdout.write(`${VERSION}\n`);
      return 0;
    }
    const entry = COMMANDS.find((c) => c.name === name);
    if (entry === undefined) {
      throw new UsageError(
        `slicebatch: unknown command ${JSON.stringify(name)} (see slicebatch --help)`,
      );
    }
    const command = await entry.load();
    const args = parseFlags(command, rest);
    if (args.values['help'] === true) {
      options.stdout.write(helpText(command));
      return 0;
    }
    const ctx: CommandContext = {
      ...options,
      argv: rest,
      signal: options.signal ?? new AbortController().signal,
    };
    if (command.longRunning === true) options.onLongRunning?.();
    return await command.run(ctx, args);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      options.stderr.write(`${err.message}\n`);
      return 2;
    }
    options.stderr.write(`slicebatch ${name ?? ''}: ${errorMessage(err)}\n`);
    if (options.env['SLICEBATCH_DEBUG'] && err instanceof Error && err.stack) {
      options.stderr.write(`${err.stack}\n`);
    }
    return 1;
  }
}

async function flushed(stream: NodeJS.WritableStream): Promise<void> {
  await new Promise<void>((resolve) => stream.write('', () => resolve()));
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const controller = new AbortController();
  let signals = 0;
  // The first SIGINT/SIGTERM asks a long-running command to stop; a second one forces it.
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      controller.abort(signal);
      return;
    }
    process.stderr.write(`slicebatch: second ${signal}, stopping now\n`);
    process.exit(130);
  };
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
    onLongRunning: () => {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // A bug must not leave a half-working daemon: say it and exit non-zero, so that the
      // service manager restarts it (every step resumes from the files it left).
      const fatal = (err: unknown): void => {
        process.stderr.write(
          `${JSON.stringify({ level: 60, time: Date.now(), msg: `uncaught error, exiting: ${errorMessage(err)}`, err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) })}\n`,
        );
        process.exit(1);
      };
      process.on('uncaughtException', fatal);
      process.on('unhandledRejection', fatal);
    },
  });
  await flushed(process.stdout);
  await flushed(process.stderr);
  process.exit(code);
}
