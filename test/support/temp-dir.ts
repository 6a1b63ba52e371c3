/** A temporary folder per test, removed afterwards; and cleanups that run last-in, first-out. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

const stacks = new WeakMap<TestContext, (() => unknown)[]>();

/**
 * Runs `cleanup` when the test ends, before the cleanups deferred earlier (`t.after` runs its
 * hooks first-in, first-out: a folder must be removed after the daemon using it has stopped).
 */
export function deferCleanup(t: TestContext, cleanup: () => unknown): void {
  let stack = stacks.get(t);
  if (stack === undefined) {
    const created: (() => unknown)[] = [];
    stack = created;
    stacks.set(t, created);
    t.after(async () => {
      while (created.length > 0) await created.pop()!();
    });
  }
  stack.push(cleanup);
}

export async function tempDir(t: TestContext, prefix = 'slicebatch-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  deferCleanup(t, () => rm(dir, { recursive: true, force: true }));
  return dir;
}
