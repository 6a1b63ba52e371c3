/**
 * An append-only journal of JSON records, one per line: each append is written and fsynced
 * before it returns, so a record that was appended survives a crash. A crash during an append
 * can leave a torn last line: reading skips it (and only it; a bad line elsewhere is corruption
 * and is reported), and opening the journal for appending cuts it off (it was never
 * acknowledged, so nothing relied on it).
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Journal<T> {
  append(record: T): Promise<void>;
  /** Several records in one write and one fsync. */
  appendMany(records: readonly T[]): Promise<void>;
  close(): Promise<void>;
}

export class JournalCorruptError extends Error {
  constructor(path: string, line: number) {
    super(`${path}: line ${line} is not a complete record (the journal is damaged)`);
    this.name = 'JournalCorruptError';
  }
}

/** Reads every complete record; a torn last line (a crash during an append) is skipped. */
export async function readJournal<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines = text.split('\n');
  const records: T[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      const isLast = lines.slice(i + 1).every((l) => l === '');
      if (!isLast) throw new JournalCorruptError(path, i + 1);
    }
  }
  return records;
}

/** Truncates the file after its last newline (a record torn by a crash is dropped). */
async function cutTornTail(handle: FileHandle): Promise<void> {
  const { size } = await handle.stat();
  let end = size;
  const chunk = Buffer.alloc(64 * 1024);
  while (end > 0) {
    const from = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - from, from);
    const nl = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl !== -1) {
      end = from + nl + 1;
      break;
    }
    end = from;
  }
  if (end < size) {
    await handle.truncate(end);
    await handle.sync();
  }
}

export async function openJournal<T>(path: string): Promise<Journal<T>> {
  await mkdir(dirname(path), { recursive: true });
  const handle: FileHandle = await open(path, 'a+');
  await cutTornTail(handle);
  let chain: Promise<void> = Promise.resolve();
  const write = (text: string): Promise<void> => {
    chain = chain.then(async () => {
      await handle.write(text);
      await handle.sync();
    });
    return chain;
  };
  return {
    append: (record) => write(`${JSON.stringify(record)}\n`),
    appendMany: (records) =>
      records.length === 0 ? chain : write(records.map((r) => `${JSON.stringify(r)}\n`).join('')),
    async close() {
      await chain.catch(() => undefined);
      await handle.close();
    },
  };
}
