#!/usr/bin/env -S node --max-semi-space-size=16
/**
 * The `slicebatch` executable: dispatches to a command and maps errors to exit statuses
 * (0 done, 1 runtime failure, 2 bad usage or configuration). Only here do errors become exit
 * statuses.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, UsageError, errorMessage } from '../errors.ts';
import { scrubSecrets } from '../log/scrub-secrets.ts';
import { terminalText } from '../format.ts';
import { helpText, parseFlags, type Command, type CommandContext, type Io } from './command.ts';
import { VERSION } from './version.ts';
import { startHelperThreadEarly } from '../convert/helper-thread-start.ts';

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
      summary: 'Convert reviewed slices into Batch API input files (as scenario_processor.py).',
      load: async () => (await import('./commands/process.ts')).processCommand,
    },
    {
      name: 'submit',
      summary:
        'Upload batch input files and create their batches, exactly once (as batch_submitter.py).',
      load: async () => (await import('./commands/submit.ts')).submitCommand,
    },
    {
      name: 'compile',
      summary:
        'Compile the results into the dataset, with a report of what is missing (as dataset_compiler.py).',
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
  /** Filled with the secrets the command reads (the API key); errors are scrubbed of them. */
  readonly secrets?: Set<string>;
}

/** The secrets known so far: the key from the environment, and whatever the command read. */
function knownSecrets(options: MainOptions): Set<string> {
  const secrets = options.secrets ?? new Set<string>();
  const envKey = options.env['OPENAI_API_KEY'];
  if (envKey !== undefined) {
    secrets.add(envKey);
    // Also each part of a key split by whitespace (a key pasted with a line break).
    for (const part of envKey.split(/[\s\p{Cc}]+/u)) secrets.add(part);
  }
  return secrets;
}

/** Runs one command line; returns the exit status. Never throws. */
export async function main(argv: readonly string[], options: MainOptions): Promise<number> {
  const [name, ...rest] = argv;
  const secrets = knownSecrets(options);
  // Every error goes out through the scrubber (an error may quote the key: a rejected header,
  // a server echoing it back), its control characters escaped (it may quote a file name).
  const printError = (text: string): void => {
    const lines = scrubSecrets(text, secrets).split('\n');
    options.stderr.write(`${lines.map(terminalText).join('\n')}\n`);
  };
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
      secrets,
    };
    if (command.longRunning === true) options.onLongRunning?.();
    return await command.run(ctx, args);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      printError(err.message);
      return 2;
    }
    printError(`slicebatch ${name ?? ''}: ${errorMessage(err)}`);
    if (options.env['SLICEBATCH_DEBUG'] && err instanceof Error && err.stack) {
      printError(err.stack);
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
  // The conversion's helper thread boots and loads on the second core while the command's
  // modules load here.
  if (process.argv[2] === 'process') startHelperThreadEarly();
  const controller = new AbortController();
  const secrets = new Set<string>();
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
    secrets,
    onLongRunning: () => {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // A bug must not leave a half-working daemon: say it and exit non-zero, so that the
      // service manager restarts it (every step resumes from the files it left).
      const fatal = (err: unknown): void => {
        const line = JSON.stringify({
          level: 60,
          time: Date.now(),
          msg: `uncaught error, exiting: ${errorMessage(err)}`,
          err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err),
        });
        process.stderr.write(`${scrubSecrets(line, secrets)}\n`);
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
