import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeFingerprintWasm } from '../../src/domain/code-fingerprint-wasm.ts';
import { buildFingerprintWasm } from '../../scripts/build-wasm.ts';

test('the committed fingerprint module is the build of wasm/code-fingerprint.ts (npm run build:wasm)', async () => {
  const built = await buildFingerprintWasm();
  const committed = Buffer.from(codeFingerprintWasm, 'base64');
  assert.ok(committed.length > 1000);
  assert.ok(
    Buffer.from(built).equals(committed),
    'src/domain/code-fingerprint-wasm.ts is not the build of wasm/code-fingerprint.ts: run npm run build:wasm',
  );
});
