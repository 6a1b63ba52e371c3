/**
 * Preloaded (`node --import`) into a command under test: listing the folder named by
 * SLICEBATCH_TEST_DENY (an absolute path) fails with EACCES, as `chmod 0` makes it fail for a
 * user who is not root. For a test that runs as root where no unprivileged user can run the
 * code (a checkout in a private folder): root reads any folder, so the refusal is injected.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';
import type * as FS from 'node:fs';

const require = createRequire(import.meta.url);
const fs = require('node:fs') as typeof FS;
const denied = process.env['SLICEBATCH_TEST_DENY'];

if (denied !== undefined && denied !== '') {
  const refusal = (path: unknown, call: string): Error | undefined =>
    typeof path === 'string' && resolve(path) === denied
      ? Object.assign(new Error(`EACCES: permission denied, ${call} '${path}'`), {
          code: 'EACCES',
          errno: -13,
          syscall: call,
          path,
        })
      : undefined;
  const refuse = (path: unknown, call: string): void => {
    const err = refusal(path, call);
    if (err !== undefined) throw err;
  };
  const { readdir, opendir } = fs.promises;
  fs.promises.readdir = ((path: unknown, ...rest: unknown[]) => {
    const err = refusal(path, 'scandir');
    if (err !== undefined) return Promise.reject(err);
    return (readdir as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof readdir;
  fs.promises.opendir = ((path: unknown, ...rest: unknown[]) => {
    const err = refusal(path, 'opendir');
    if (err !== undefined) return Promise.reject(err);
    return (opendir as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof opendir;
  const { readdirSync } = fs;
  fs.readdirSync = ((path: unknown, ...rest: unknown[]) => {
    refuse(path, 'scandir');
    return (readdirSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof readdirSync;
  const { readdir: readdirCb } = fs;
  fs.readdir = ((path: unknown, ...rest: unknown[]) => {
    const cb = rest[rest.length - 1] as (err: unknown) => void;
    try {
      refuse(path, 'scandir');
    } catch (err) {
      process.nextTick(() => cb(err));
      return;
    }
    (readdirCb as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof readdirCb;
  syncBuiltinESMExports();
}
