import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkCounterWasm } from '../../src/domain/chunk-counter-wasm.ts';
import { buildChunkCounterWasm } from '../../scripts/build-wasm.ts';

test('the committed WebAssembly module is the build of wasm/chunk-counter.ts (npm run build:wasm)', async () => {
  const built = await buildChunkCounterWasm();
  const committed = Buffer.from(chunkCounterWasm, 'base64');
  assert.ok(committed.length > 1000);
  assert.ok(
    Buffer.from(built).equals(committed),
    'src/domain/chunk-counter-wasm.ts is not the build of wasm/chunk-counter.ts: run npm run build:wasm',
  );
});
