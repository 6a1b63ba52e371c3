import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { watchThreadCpu } from '../../bench/thread-cpu.ts';

// A process whose main thread and one worker thread each burn a fixed amount of work, then
// say "done" and wait for stdin to close.
const CHILD = `
const { Worker } = require('node:worker_threads');
const burn = 'let x = 0; for (let i = 0; i < 3e8; i++) x = (x + i) % 1000003; globalThis.x = x;';
const w = new Worker(burn + "require('node:worker_threads').parentPort.postMessage('ok');", { eval: true });
w.once('message', () => {
  eval(burn);
  process.stdout.write('done\\n');
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
});
`;

test('the CPU time of a process is told apart by thread (Linux: /proc), or not given at all elsewhere', async () => {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
  const watch = watchThreadCpu(child.pid!, 20);
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => (out += d));
  while (!out.includes('done')) await once(child.stdout, 'data');
  const cpu = watch.stop();
  child.stdin.end();
  await once(child, 'exit');
  if (process.platform !== 'linux') {
    assert.equal(cpu, undefined, 'no figures where /proc does not tell them');
    return;
  }
  assert.ok(cpu !== undefined);
  // Each burned the same loop: both are counted, each in its own role.
  assert.ok(cpu.conversion > 0.05, `main thread: ${cpu.conversion} s`);
  assert.ok(cpu.helper > 0.05, `worker thread: ${cpu.helper} s`);
  assert.ok(cpu.helper < cpu.conversion * 4 && cpu.conversion < cpu.helper * 4);
});
