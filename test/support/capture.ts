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
}

export function captureIo(): { stdout: Capture; stderr: Capture } {
  return { stdout: new Capture(), stderr: new Capture() };
}
