/** In-memory stdout/stderr for running commands in-process. */
import { Writable } from 'node:stream';

export class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(
    chunk: Buffer | string,
    _enc: BufferEncoding,
    cb: (err?: Error | null) => void,
  ): void {
    this.text += chunk.toString();
    cb();
  }

  /** The JSON log lines written so far (pino's output), parsed. */
  logRecords<T = LogRecord>(): T[] {
    return logRecords<T>(this.text);
  }
}

export interface LogRecord {
  readonly level: number;
  readonly msg: string;
}

/** The JSON log lines (pino's output) of a text, parsed; other lines are left out. */
export function logRecords<T = LogRecord>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}

export function captureIo(): { stdout: Capture; stderr: Capture } {
  return { stdout: new Capture(), stderr: new Capture() };
}
