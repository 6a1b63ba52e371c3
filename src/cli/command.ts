/**
 * The shape of a command: its flags (node:util parseArgs), its help text, and what it runs.
 * Flag errors become UsageErrors that name the flag (exit 2).
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { UsageError } from '../errors.ts';

export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface CommandContext extends Io {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); for long-running commands. */
  readonly signal: AbortSignal;
  /**
   * The secrets this run knows (the API key, once the configuration is read): every error
   * printed by the CLI is scrubbed of them.
   */
  readonly secrets?: Set<string>;
}

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly value?: string;
  readonly description: string;
  readonly multiple?: boolean;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage?: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Runs until asked to stop (SIGINT/SIGTERM abort `ctx.signal`). */
  readonly longRunning?: boolean;
  /** Returns the exit status. */
  run(ctx: CommandContext, args: ParsedFlags): Promise<number>;
}

export interface ParsedFlags {
  readonly values: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly positionals: readonly string[];
}

export const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', description: 'show this help' };

/** The flags every command that reads the configuration takes. */
export const CONFIG_FLAGS = {
  config: {
    type: 'string',
    short: 'c',
    value: 'FILE',
    description: 'configuration file (default ./config.json if present)',
  },
  'data-dir': {
    type: 'string',
    value: 'DIR',
    description: 'root of the stage folders (default data)',
  },
} as const satisfies Record<string, FlagSpec>;

export function parseFlags(command: Command, argv: readonly string[]): ParsedFlags {
  const options: ParseArgsOptionsConfig = {};
  for (const [name, spec] of Object.entries({ ...command.flags, help: HELP_FLAG })) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values: values as ParsedFlags['values'], positionals };
  } catch (err) {
    const message = (err as Error).message.split('. ')[0] ?? String(err);
    throw new UsageError(
      `slicebatch ${command.name}: ${message} (see slicebatch ${command.name} --help)`,
    );
  }
}

export function helpText(command: Command): string {
  const rows = Object.entries({ ...command.flags, help: HELP_FLAG }).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '    ';
    const value = spec.type === 'string' ? ` ${spec.value ?? 'VALUE'}` : '';
    return [`  ${short}--${name}${value}`, spec.description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `Usage: slicebatch ${command.name}${command.usage ? ` ${command.usage}` : ' [options]'}`,
    '',
    command.summary,
    '',
    'Options:',
    ...rows.map(([left, right]) => left.padEnd(width) + right),
    '',
  ].join('\n');
}

export function stringFlag(args: ParsedFlags, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function booleanFlag(args: ParsedFlags, name: string): boolean {
  return args.values[name] === true;
}

/** A whole number flag (>= min), or undefined when absent. */
export function integerFlag(
  args: ParsedFlags,
  command: string,
  name: string,
  min = 0,
): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(
      `slicebatch ${command}: --${name} must be a whole number of at least ${min}, got ${JSON.stringify(raw)}`,
    );
  }
  return Number(raw);
}

export function numberFlag(args: ParsedFlags, command: string, name: string): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError(
      `slicebatch ${command}: --${name} must be a number, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

export function noPositionals(args: ParsedFlags, command: string): void {
  if (args.positionals.length > 0) {
    throw new UsageError(
      `slicebatch ${command}: unexpected argument ${JSON.stringify(args.positionals[0])} (see slicebatch ${command} --help)`,
    );
  }
}
