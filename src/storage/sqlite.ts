/**
 * Node's built-in SQLite (`node:sqlite`), loaded without its warning. It needs no flag from
 * Node 22.13 (the engines field asks for 22.22 or later); Node 22 still marks it experimental
 * and prints an ExperimentalWarning when it is first loaded (Node 24 does not). That one
 * warning is dropped; every other warning goes through as before.
 */
import type * as Sqlite from 'node:sqlite';

type SqliteModule = typeof Sqlite;

let loaded: Promise<SqliteModule> | undefined;

export function loadSqlite(): Promise<SqliteModule> {
  loaded ??= (async () => {
    const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
    const original = Object.getOwnPropertyDescriptor(process, 'emitWarning')!;
    process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
      const text = typeof warning === 'string' ? warning : warning.message;
      const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string })?.type;
      const name = typeof warning === 'string' ? type : warning.name;
      if (name === 'ExperimentalWarning' && /SQLite/i.test(text)) return;
      emit(warning, ...rest);
    };
    try {
      return await import('node:sqlite');
    } finally {
      Object.defineProperty(process, 'emitWarning', original);
    }
  })();
  return loaded;
}

export type Database = InstanceType<SqliteModule['DatabaseSync']>;
