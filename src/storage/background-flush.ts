/**
 * A file's written pages handed to the disk in the background every so many bytes written
 * (`fdatasync` on a thread of libuv's pool while writing goes on), so that the sync that must
 * wait for the disk (before an index record is written, when a file is sealed) finds little left
 * to write. Not awaited, and its outcome not needed: that sync still waits for the disk itself
 * and reports what it finds; a flush that finds the file closed meanwhile only fails.
 */
import { fdatasync } from 'node:fs';

/** Starts a flush of `fd` to the disk, not awaited (tests count them instead). */
export type StartFlush = (fd: number) => void;

const fdatasyncInBackground: StartFlush = (fd) => fdatasync(fd, () => undefined);

export interface BackgroundFlush {
  /** `bytes` more written to `fd`: a flush is started once `every` bytes are since the last. */
  wrote(fd: number, bytes: number): void;
  /** The file was synced: bytes count from here. */
  synced(): void;
}

export function backgroundFlush(
  every: number,
  start: StartFlush = fdatasyncInBackground,
): BackgroundFlush {
  let unflushed = 0;
  return {
    wrote(fd, bytes) {
      unflushed += bytes;
      if (unflushed < every) return;
      unflushed = 0;
      start(fd);
    },
    synced() {
      unflushed = 0;
    },
  };
}
